import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DatabaseHealthIndicator } from './database.health';
import { DiscoveryHealthIndicator } from './discovery.health';
import { HealthController } from './health.controller';
import { RaftHealthIndicator } from './raft.health';

@Module({
  imports: [TerminusModule],
  controllers: [HealthController],
  providers: [RaftHealthIndicator, DatabaseHealthIndicator, DiscoveryHealthIndicator],
  exports: [RaftHealthIndicator],
})
export class HealthModule {}
