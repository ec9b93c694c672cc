import { Global, Module } from '@nestjs/common';
import { collectDefaultMetrics } from 'prom-client';
import { MetricsController } from './metrics.controller';
import { MetricsRegistry } from './metrics-registry';
import { RaftMetrics } from './raft.metrics';

/**
 * `GET /metrics` and the registry behind it. Global: any module injects {@link MetricsRegistry}
 * and registers its own metrics.
 */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [
    {
      provide: MetricsRegistry,
      useFactory: (): MetricsRegistry => {
        const metrics = new MetricsRegistry();
        collectDefaultMetrics({ register: metrics.registry, prefix: 'falconmind_' });
        return metrics;
      },
    },
    RaftMetrics,
  ],
  exports: [MetricsRegistry],
})
export class MetricsModule {}
