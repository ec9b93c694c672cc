import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { DatabaseHealthIndicator } from './database.health';
import { DiscoveryHealthIndicator } from './discovery.health';
import { RaftHealthIndicator } from './raft.health';
import { UavLinkHealthIndicator } from '../uav-link/uav-link.health';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly raft: RaftHealthIndicator,
    private readonly database: DatabaseHealthIndicator,
    private readonly discovery: DiscoveryHealthIndicator,
    private readonly uavLink: UavLinkHealthIndicator,
  ) {}

  /** Liveness: the process is up and serving HTTP. Checks no dependency. */
  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /** Readiness: the database answers, a leader is known, this node is a member and keeps up. */
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.database.check(), () => this.raft.check()]);
  }

  /** Every indicator with its details, discovery and the UAV link too (degraded never means down). */
  @Get()
  @HealthCheck()
  all(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.database.check(),
      () => this.raft.check(),
      () => this.discovery.check(),
      () => this.uavLink.check(),
    ]);
  }
}
