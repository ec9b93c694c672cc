import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { CommandPublisher } from './command-publisher';
import { UavLinkConnection } from './uav-link-connection';
import { UavLinkCounters } from './uav-link-counters';

/**
 * The UAV link in /health. Losing the broker never stops the cluster (missions and UAVs are still
 * served, commands wait in the replicated outbox), so this indicator is always `up`; its `state`
 * says `degraded` while the node reconnects, `disabled` without MQTT_URL.
 */
@Injectable()
export class UavLinkHealthIndicator {
  constructor(
    private readonly link: UavLinkConnection,
    private readonly publisher: CommandPublisher,
    private readonly counters: UavLinkCounters,
    private readonly indicators: HealthIndicatorService,
  ) {}

  check(): HealthIndicatorResult {
    const status = this.link.linkStatus();
    return this.indicators.check('uav_link').up({
      state: status.state,
      broker: status.broker,
      detail: status.detail,
      since: new Date(status.sinceMs).toISOString(),
      publishing_commands: this.publisher.publishing,
      commands_in_flight: this.publisher.inFlightCount(),
      ...this.counters.snapshot(),
    });
  }
}
