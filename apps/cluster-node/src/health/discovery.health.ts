import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type { Discovery } from '@falconmind/discovery';
import { NODE_DISCOVERY } from '../cluster/cluster.tokens';

/**
 * The node's registration with its discovery store. Losing the store never stops a formed cluster,
 * so this indicator is always `up`; its `state` says `degraded` while the registration is retried.
 */
@Injectable()
export class DiscoveryHealthIndicator {
  constructor(
    @Inject(NODE_DISCOVERY) private readonly discovery: Discovery,
    private readonly indicators: HealthIndicatorService,
  ) {}

  check(): HealthIndicatorResult {
    const health = this.discovery.health();
    return this.indicators.check('discovery').up({
      kind: this.discovery.kind,
      state: health.state,
      detail: health.detail,
      since: health.sinceMs !== undefined ? new Date(health.sinceMs).toISOString() : null,
    });
  }
}
