import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { NODE_DATA_SOURCE } from '../cluster/cluster.tokens';

const PING_TIMEOUT_MS = 1_000;

/** The node's own PostgreSQL database answers a query within a second. */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    @Inject(NODE_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async check(): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('database');
    const started = performance.now();
    try {
      await Promise.race([
        this.dataSource.query('SELECT 1'),
        new Promise((_, reject) =>
          setTimeout(
            () => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)),
            PING_TIMEOUT_MS,
          ).unref(),
        ),
      ]);
      return indicator.up({ latency_ms: Math.round(performance.now() - started) });
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }
}
