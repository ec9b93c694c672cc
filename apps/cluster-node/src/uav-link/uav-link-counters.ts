import { Injectable, Optional } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { MetricsRegistry } from '../metrics/metrics-registry';

/** Why an incoming message was refused. */
export type BadPayloadReason =
  | 'not_json'
  | 'wrong_shape'
  | 'unknown_uav'
  | 'unknown_mission'
  | 'unknown_command'
  | 'wrong_seq'
  | 'unknown_topic';

/**
 * Why a well-formed message was dropped unhandled: `shed` (too much uplink work in flight),
 * `collapsed` (a newer report of the same UAV on the same mission superseded it),
 * `no_read_barrier` (it names what this node has not applied, and the cluster could not say in time
 * whether that exists).
 */
export type DropReason = 'shed' | 'collapsed' | 'no_read_barrier';

/** What became of the telemetry samples that arrived over MQTT. */
export type TelemetryOutcome = 'accepted' | 'rejected' | 'dropped_no_ingest';

type Tally = Record<string, number>;

function bump(tally: Tally, key: string, by = 1): void {
  tally[key] = (tally[key] ?? 0) + by;
}

/**
 * The UAV link's counters: kept here (shown by /health) and, when the node serves /metrics, mirrored
 * as Prometheus counters.
 */
@Injectable()
export class UavLinkCounters {
  readonly messages: Tally = {};
  readonly badPayloads: Tally = {};
  readonly telemetrySamples: Tally = {};
  readonly commandsSent: Tally = {};
  readonly dropped: Tally = {};
  commandsFlagged = 0;

  private readonly metrics:
    | {
        messages: Counter<'channel'>;
        badPayloads: Counter<'channel' | 'reason'>;
        telemetry: Counter<'outcome'>;
        commandsSent: Counter<'action'>;
        commandsFlagged: Counter;
        dropped: Counter<'channel' | 'reason'>;
      }
    | undefined;

  constructor(@Optional() registry?: MetricsRegistry) {
    this.metrics = registry && {
      messages: registry.counter({
        name: 'falconmind_uav_link_messages_total',
        help: 'MQTT messages received from UAVs, by channel',
        labelNames: ['channel'],
      }),
      badPayloads: registry.counter({
        name: 'falconmind_uav_link_bad_payloads_total',
        help: 'MQTT messages refused (not JSON, wrong shape, unknown UAV, …), by channel and reason',
        labelNames: ['channel', 'reason'],
      }),
      telemetry: registry.counter({
        name: 'falconmind_uav_link_telemetry_samples_total',
        help: 'Telemetry samples received over MQTT, by outcome',
        labelNames: ['outcome'],
      }),
      commandsSent: registry.counter({
        name: 'falconmind_uav_link_commands_sent_total',
        help: 'Commands this node published to UAVs as leader (resends included), by action',
        labelNames: ['action'],
      }),
      commandsFlagged: registry.counter({
        name: 'falconmind_uav_link_commands_flagged_total',
        help: 'Commands given up on after the last resend, their UAV flagged',
      }),
      dropped: registry.counter({
        name: 'falconmind_uav_link_dropped_total',
        help: 'Well-formed MQTT messages dropped unhandled (shed under load, collapsed), by channel and reason',
        labelNames: ['channel', 'reason'],
      }),
    };
  }

  message(channel: string): void {
    bump(this.messages, channel);
    this.metrics?.messages.inc({ channel });
  }

  badPayload(channel: string, reason: BadPayloadReason): void {
    bump(this.badPayloads, `${channel}:${reason}`);
    this.metrics?.badPayloads.inc({ channel, reason });
  }

  telemetry(outcome: TelemetryOutcome, count: number): void {
    if (count === 0) return;
    bump(this.telemetrySamples, outcome, count);
    this.metrics?.telemetry.inc({ outcome }, count);
  }

  commandSent(action: string): void {
    bump(this.commandsSent, action);
    this.metrics?.commandsSent.inc({ action });
  }

  droppedMessage(channel: string, reason: DropReason): void {
    bump(this.dropped, `${channel}:${reason}`);
    this.metrics?.dropped.inc({ channel, reason });
  }

  commandFlagged(): void {
    this.commandsFlagged++;
    this.metrics?.commandsFlagged.inc();
  }

  /** Every bad payload, whatever the reason. */
  badPayloadTotal(): number {
    return Object.values(this.badPayloads).reduce((sum, n) => sum + n, 0);
  }

  snapshot(): Record<string, unknown> {
    return {
      messages: { ...this.messages },
      bad_payloads: { ...this.badPayloads },
      telemetry_samples: { ...this.telemetrySamples },
      commands_sent: { ...this.commandsSent },
      commands_flagged: this.commandsFlagged,
      dropped: { ...this.dropped },
    };
  }
}
