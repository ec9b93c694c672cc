import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { UavLinkModule } from '../uav-link/uav-link.module';
import { DatabaseHealthIndicator } from './database.health';
import { DiscoveryHealthIndicator } from './discovery.health';
import { HealthController } from './health.controller';
import { RaftHealthIndicator } from './raft.health';

@Module({
  imports: [TerminusModule, UavLinkModule],
  controllers: [HealthController],
  providers: [RaftHealthIndicator, DatabaseHealthIndicator, DiscoveryHealthIndicator],
  exports: [RaftHealthIndicator],
})
export class HealthModule {}
