import { createHash } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { parseFleetRejection } from '@falconmind/fleet';
import {
  describeMessageProblems,
  MessageProblem,
  MissionStatusReport,
  parseCommandAck,
  parseJsonObject,
  parseMissionStatus,
  parseUavEvent,
  UplinkChannel,
} from '@falconmind/uav-link';
import { DataSource } from 'typeorm';
import { ClusterNodeRuntime } from '@falconmind/consensus';
import { CLUSTER_RUNTIME, NODE_DATA_SOURCE, NODE_LOGGER } from '../cluster/cluster.tokens';
import { NodeLogger } from '../node-logger';
import { TELEMETRY_INGEST, TelemetryIngest } from '../telemetry/telemetry.tokens';
import { KnownUavs } from './known-uavs';
import { BoundedWork, WorkAdmission } from './bounded-work';
import { BAD_PAYLOAD_LOG_PER_MINUTE, MAX_PAYLOAD_BYTES, MAX_UPLINK_IN_FLIGHT } from './link-limits';
import { RetryingProposer } from './retrying-proposer';
import { BadPayloadReason, UavLinkCounters } from './uav-link-counters';
import { UavLinkConnection } from './uav-link-connection';

/** How long a message waits for the read barrier before it is dropped. */
const READ_BARRIER_TIMEOUT_MS = 10_000;

/**
 * What the node does with each message a UAV sends. A bad one (not JSON, wrong shape, unknown UAV)
 * is counted and logged with its topic, then dropped: nothing a UAV sends can stop the node.
 */
@Injectable()
export class UplinkHandler {
  private logWindowStart = 0;
  private loggedInWindow = 0;
  private readonly work = new BoundedWork(MAX_UPLINK_IN_FLIGHT);

  constructor(
    private readonly link: UavLinkConnection,
    private readonly counters: UavLinkCounters,
    private readonly knownUavs: KnownUavs,
    private readonly proposer: RetryingProposer,
    @Inject(NODE_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(NODE_LOGGER) private readonly logger: NodeLogger,
    @Inject(CLUSTER_RUNTIME) private readonly runtime: ClusterNodeRuntime,
    @Optional() @Inject(TELEMETRY_INGEST) private readonly telemetry?: TelemetryIngest,
  ) {}

  /** Handles one message; never throws, never rejects. */
  handle(topic: string, payload: Buffer): void {
    try {
      this.route(topic, payload);
    } catch (error) {
      // Whatever goes wrong with one message stays with it (this runs inside the MQTT client).
      this.logger.warn('UAV link: a message could not be handled', { topic, error: String(error) });
    }
  }

  private route(topic: string, payload: Buffer): void {
    const source = this.link.topics.parseUplink(topic);
    if (!source) {
      this.bad(topic, 'unknown', 'unknown_topic', 'not a UAV uplink topic');
      return;
    }
    this.counters.message(source.channel);
    if (payload.length > MAX_PAYLOAD_BYTES) {
      this.bad(topic, source.channel, 'wrong_shape', `larger than ${MAX_PAYLOAD_BYTES} bytes`);
      return;
    }
    if (source.channel === 'telemetry') {
      this.telemetrySample(topic, source.uavId, payload);
      return;
    }
    this.queue(topic, source.uavId, source.channel, payload);
  }

  /**
   * Parses a message that becomes work for the database and Raft, and hands it to the bounded work:
   * beyond MAX_UPLINK_IN_FLIGHT it is shed (counted); a UAV's reports on one mission are collapsed
   * to the newest while one of them is being handled.
   */
  private queue(
    topic: string,
    uavId: string,
    channel: Exclude<UplinkChannel, 'telemetry'>,
    payload: Buffer,
  ): void {
    const json = parseJsonObject(payload);
    if (!json.ok) {
      this.bad(topic, channel, 'not_json', describeMessageProblems(json.problems));
      return;
    }
    let admission: WorkAdmission;
    if (channel === 'mission_status') {
      const parsed = parseMissionStatus(json.value);
      if (!parsed.ok) return this.wrongShape(topic, channel, parsed.problems);
      const report = parsed.value;
      admission = this.work.startLatest(
        `${uavId}\u0000${report.mission_id}`,
        report.report_seq,
        () => this.guarded(topic, () => this.missionStatus(topic, uavId, report)),
      );
    } else {
      admission = this.work.start(() =>
        this.guarded(topic, () => this.handleAsync(topic, uavId, channel, json.value)),
      );
    }
    if (admission === 'shed') this.counters.droppedMessage(channel, 'shed');
    else if (admission === 'replaced') this.counters.droppedMessage(channel, 'collapsed');
  }

  private async guarded(topic: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.logger.warn('UAV link: a message could not be handled', { topic, error: String(error) });
    }
  }

  private telemetrySample(topic: string, uavId: string, payload: Buffer): void {
    let value: unknown;
    try {
      value = JSON.parse(payload.toString());
    } catch {
      this.bad(topic, 'telemetry', 'not_json', 'is not JSON');
      return;
    }
    // One sample, or a batch of them, each of the UAV the topic names.
    const samples = Array.isArray(value) ? value : [value];
    for (const sample of samples) {
      if (typeof sample !== 'object' || sample === null || Array.isArray(sample)) {
        this.bad(topic, 'telemetry', 'wrong_shape', 'a sample must be a JSON object');
        return;
      }
      const named = (sample as { uav_id?: unknown }).uav_id;
      if (named !== undefined && named !== uavId) {
        this.bad(
          topic,
          'telemetry',
          'wrong_shape',
          `uav_id must be ${uavId}, the UAV of the topic`,
        );
        return;
      }
    }
    if (!this.knownUavs.has(uavId)) {
      this.bad(topic, 'telemetry', 'unknown_uav', `UAV ${uavId} is not registered`);
      return;
    }
    if (!this.telemetry) {
      this.counters.telemetry('dropped_no_ingest', samples.length);
      return;
    }
    const withIds = samples.map((sample: object) => ({ uav_id: uavId, ...sample }));
    const result = this.telemetry.ingest(withIds, 'mqtt');
    this.counters.telemetry('accepted', result.accepted);
    this.counters.telemetry('rejected', result.rejected.length);
    if (result.rejected.length > 0) {
      const first = result.rejected[0];
      this.bad(topic, 'telemetry', 'wrong_shape', `${first.field}: ${first.reason}`);
    }
  }

  private async handleAsync(
    topic: string,
    uavId: string,
    channel: 'commands/ack' | 'events',
    message: Record<string, unknown>,
  ): Promise<void> {
    if (!(await this.registered(topic, channel, uavId))) return;
    if (channel === 'commands/ack') return this.ack(topic, uavId, message);
    return this.event(topic, uavId, message);
  }

  private async registered(topic: string, channel: string, uavId: string): Promise<boolean> {
    if (await this.knownUavs.isRegistered(uavId)) return true;
    if (!(await this.caughtUp(channel))) return false;
    if (await this.knownUavs.isRegistered(uavId)) return true;
    this.bad(topic, channel, 'unknown_uav', `UAV ${uavId} is not registered`);
    return false;
  }

  /**
   * Passes a linearizable read barrier, so that what is missing here is missing in the cluster, not
   * only not yet applied by this node (a follower behind, a node just started). False, and the
   * message dropped and counted, when the cluster cannot answer in time.
   */
  private async caughtUp(channel: string): Promise<boolean> {
    try {
      await this.runtime.driver.readBarrier(READ_BARRIER_TIMEOUT_MS);
      return true;
    } catch (error) {
      this.counters.droppedMessage(channel, 'no_read_barrier');
      this.logger.debug('UAV link: no read barrier; a message was dropped', {
        channel,
        error: String(error),
      });
      return false;
    }
  }

  /** Whether the mission exists and is one of this UAV's, as this node has applied it. */
  private async isMissionOf(uavId: string, missionId: string): Promise<boolean> {
    const rows = await this.dataSource.query<Array<{ uav_list: string[] }>>(
      'SELECT uav_list FROM missions WHERE mission_id = $1',
      [missionId],
    );
    return rows.length > 0 && rows[0].uav_list.includes(uavId);
  }

  private async missionStatus(
    topic: string,
    uavId: string,
    report: MissionStatusReport,
  ): Promise<void> {
    if (!(await this.registered(topic, 'mission_status', uavId))) return;
    if (!(await this.isMissionOf(uavId, report.mission_id))) {
      if (!(await this.caughtUp('mission_status'))) return;
      if (!(await this.isMissionOf(uavId, report.mission_id))) {
        this.bad(
          topic,
          'mission_status',
          'unknown_mission',
          `mission ${report.mission_id} does not exist or is not one of UAV ${uavId}'s`,
        );
        return;
      }
    }
    const outcome = await this.proposer.propose({
      type: 'ReportMissionProgress',
      mission_id: report.mission_id,
      progress: report.progress,
      ...(report.state === 'RUNNING' ? {} : { state: report.state }),
      // The same report sent again (the UAV repeats its last one) is applied once.
      idempotency_key: `uav-status:${digest(uavId, report.mission_id, String(report.report_seq))}`,
    });
    const rejection = outcome && parseFleetRejection(outcome);
    if (rejection) {
      // A late report for a mission that ended or is paused: normal on a lossy link, not a bad payload.
      this.logger.debug('UAV link: a mission status was refused', {
        topic,
        reason: rejection.message,
      });
    }
  }

  private async ack(topic: string, uavId: string, message: Record<string, unknown>): Promise<void> {
    const parsed = parseCommandAck(message, uavId);
    if (!parsed.ok) return this.wrongShape(topic, 'commands/ack', parsed.problems);
    const { command_id: commandId, seq, status } = parsed.value;
    const known = await this.dataSource.query<Array<{ state: string; seq: number }>>(
      'SELECT state, seq FROM uav_commands WHERE command_id = $1 AND uav_id = $2',
      [commandId, uavId],
    );
    // The applier refuses these too (it is authoritative); seen here they cost no entry.
    if (known[0] !== undefined && Number(known[0].seq) !== seq) {
      this.bad(topic, 'commands/ack', 'wrong_seq', `command ${commandId} has seq ${known[0].seq}`);
      return;
    }
    // A repeat acknowledgement of a command already acknowledged changes nothing; nor does a late
    // `duplicate` of a flagged one (see ackUavCommand).
    if (known[0]?.state === 'ACKED') return;
    if (known[0]?.state === 'FLAGGED' && status === 'duplicate') return;
    const outcome = await this.proposer.propose({
      type: 'AckUavCommand',
      command_id: commandId,
      uav_id: uavId,
      status,
      seq,
    });
    const rejection = outcome && parseFleetRejection(outcome);
    if (rejection?.code === 'not_found') {
      this.bad(topic, 'commands/ack', 'unknown_command', rejection.message);
    } else if (rejection?.code === 'conflict') {
      this.bad(topic, 'commands/ack', 'wrong_seq', rejection.message);
    }
  }

  private event(topic: string, uavId: string, message: Record<string, unknown>): void {
    const parsed = parseUavEvent(message);
    if (!parsed.ok) return this.wrongShape(topic, 'events', parsed.problems);
    const { event, severity, message: text } = parsed.value;
    const fields = { uav: uavId, event, ...(text === undefined ? {} : { detail: text }) };
    if (severity === 'error') this.logger.error('UAV event', fields);
    else if (severity === 'warning') this.logger.warn('UAV event', fields);
    else this.logger.info('UAV event', fields);
  }

  private wrongShape(topic: string, channel: string, problems: readonly MessageProblem[]): void {
    this.bad(topic, channel, 'wrong_shape', describeMessageProblems(problems));
  }

  private bad(topic: string, channel: string, reason: BadPayloadReason, detail: string): void {
    this.counters.badPayload(channel, reason);
    const now = Date.now();
    if (now - this.logWindowStart >= 60_000) {
      this.logWindowStart = now;
      this.loggedInWindow = 0;
    }
    if (this.loggedInWindow++ < BAD_PAYLOAD_LOG_PER_MINUTE) {
      this.logger.warn('UAV link: bad payload dropped', { topic, reason, detail });
    }
  }
}

/** A short key from parts of any length (idempotency keys are limited to 200 characters). */
function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 40);
}
