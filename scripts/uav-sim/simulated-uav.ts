import {
  CommandAck,
  CommandFence,
  describeMessageProblems,
  MissionStatusReport,
  parseJsonObject,
  parseUavCommand,
  UavCommand,
  UavTopics,
} from '@falconmind/uav-link';
import { connect, MqttClient } from 'mqtt';

/** How one simulated UAV behaves. */
export interface SimulatedUavOptions {
  readonly uavId: string;
  /** A cluster node's HTTP API, for the registration. */
  readonly nodeUrl: string;
  readonly mqttUrl: string;
  readonly topicRoot?: string;
  /** Telemetry samples per second (0: none). */
  readonly telemetryHz?: number;
  /** Milliseconds between two steps of a mission's flight. */
  readonly flightStepMs?: number;
  /** Progress made at each step (0..1). */
  readonly progressStep?: number;
  /** Lines about what the UAV does (commands, progress); none by default. */
  readonly log?: (line: string) => void;
}

/** What the UAV did, for the summary and for tests. */
export interface SimulatedUavStats {
  /** The commands executed, in order (each at most once: the fence sees to it). */
  readonly executed: readonly UavCommand[];
  readonly duplicatesDropped: number;
  readonly staleTermIgnored: number;
  readonly badCommands: number;
  readonly telemetrySent: number;
  readonly statusReports: number;
  readonly missionsSucceeded: number;
}

interface Flight {
  readonly missionId: string;
  progress: number;
  paused: boolean;
  reportSeq: number;
}

/** Times the last report of a finished mission is sent again, in case it was lost. */
const FINAL_REPORT_REPEATS = 5;

/**
 * A UAV as the cluster sees one over MQTT (docs/uav-link.md): registers over HTTP, streams
 * telemetry, takes commands through the fence, acknowledges them, flies a dispatched mission and
 * reports its progress up to SUCCEEDED. Used by `npm run uav:sim`, the e2e tests and the bench.
 */
export class SimulatedUav {
  readonly topics: UavTopics;
  readonly fence = new CommandFence();
  private client: MqttClient | undefined;
  private telemetryTimer: NodeJS.Timeout | undefined;
  private flightTimer: NodeJS.Timeout | undefined;
  private flight: Flight | undefined;
  private lastFinal: MissionStatusReport | undefined;
  private finalRepeats = 0;
  private readonly executed: UavCommand[] = [];
  private duplicatesDropped = 0;
  private staleTermIgnored = 0;
  private badCommands = 0;
  private telemetrySent = 0;
  private statusReports = 0;
  private missionsSucceeded = 0;
  /** While set, acknowledgements are kept back (a test's way to leave a command unacknowledged). */
  private heldAcks: CommandAck[] | undefined;

  constructor(readonly options: SimulatedUavOptions) {
    this.topics = new UavTopics(options.topicRoot);
  }

  get uavId(): string {
    return this.options.uavId;
  }

  stats(): SimulatedUavStats {
    return {
      executed: [...this.executed],
      duplicatesDropped: this.duplicatesDropped,
      staleTermIgnored: this.staleTermIgnored,
      badCommands: this.badCommands,
      telemetrySent: this.telemetrySent,
      statusReports: this.statusReports,
      missionsSucceeded: this.missionsSucceeded,
    };
  }

  /** Registers over HTTP (retrying while the cluster has no leader), then connects and subscribes. */
  async start(): Promise<void> {
    await this.register();
    const client = connect(this.options.mqttUrl, {
      protocolVersion: 5,
      clientId: `sim.${this.uavId}.${process.pid}`,
      clean: true,
      reconnectPeriod: 1_000,
    });
    this.client = client;
    client.on('message', (topic, payload) => this.onCommand(topic, payload));
    client.on('connect', () => {
      client.subscribe(
        [
          this.topics.downlink(this.uavId, 'missions'),
          this.topics.downlink(this.uavId, 'commands'),
        ],
        { qos: 1 },
      );
    });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    const hz = this.options.telemetryHz ?? 1;
    if (hz > 0) {
      this.telemetryTimer = setInterval(() => this.sendTelemetry(), 1000 / hz);
    }
    this.flightTimer = setInterval(() => this.fly(), this.options.flightStepMs ?? 500);
  }

  async stop(): Promise<void> {
    if (this.telemetryTimer) clearInterval(this.telemetryTimer);
    if (this.flightTimer) clearInterval(this.flightTimer);
    await this.client?.endAsync();
  }

  /** Keeps acknowledgements back until {@link releaseAcks}. */
  holdAcks(): void {
    this.heldAcks ??= [];
  }

  releaseAcks(): void {
    const held = this.heldAcks ?? [];
    this.heldAcks = undefined;
    for (const ack of held) this.publishAck(ack);
  }

  private async register(): Promise<void> {
    const url = `${this.options.nodeUrl}/uavs/${encodeURIComponent(this.uavId)}/register`;
    const body = JSON.stringify({
      capabilities: { max_altitude: 500, max_speed: 20 },
      metadata: { model: 'FM-SIM' },
      battery: 100,
    });
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(15_000),
        });
        if (response.ok) return;
        if (response.status !== 503 || attempt >= 20) {
          throw new Error(
            `registering ${this.uavId}: HTTP ${response.status} ${await response.text()}`,
          );
        }
      } catch (error) {
        if (attempt >= 20) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 250 * Math.min(attempt, 8)));
    }
  }

  private onCommand(topic: string, payload: Buffer): void {
    const json = parseJsonObject(payload);
    const parsed = json.ok ? parseUavCommand(json.value, this.uavId) : json;
    if (!parsed.ok) {
      this.badCommands++;
      this.log(`bad command on ${topic}: ${describeMessageProblems(parsed.problems)}`);
      return;
    }
    const command = parsed.value;
    const verdict = this.fence.admit(command);
    if (verdict === 'stale_term') {
      this.staleTermIgnored++;
      this.log(`ignored ${command.action} ${command.command_id}: term ${command.term} is stale`);
      return;
    }
    if (verdict === 'duplicate') {
      this.duplicatesDropped++;
      this.ack(command, 'duplicate');
      return;
    }
    this.executed.push(command);
    this.log(
      `executing ${command.action} ${command.command_id} (seq ${command.seq}, term ${command.term})`,
    );
    this.execute(command);
    this.ack(command, 'executed');
  }

  private execute(command: UavCommand): void {
    switch (command.action) {
      case 'dispatch':
        this.flight = { missionId: command.mission_id, progress: 0, paused: false, reportSeq: 0 };
        this.lastFinal = undefined;
        break;
      case 'pause':
        if (this.flight?.missionId === command.mission_id) this.flight.paused = true;
        break;
      case 'resume':
        if (this.flight?.missionId === command.mission_id) this.flight.paused = false;
        break;
      case 'cancel':
        if (this.flight?.missionId === command.mission_id) this.flight = undefined;
        break;
    }
  }

  private ack(command: UavCommand, status: CommandAck['status']): void {
    const ack: CommandAck = {
      command_id: command.command_id,
      uav_id: this.uavId,
      seq: command.seq,
      status,
    };
    if (this.heldAcks) this.heldAcks.push(ack);
    else this.publishAck(ack);
  }

  private publishAck(ack: CommandAck): void {
    this.client?.publish(this.topics.uplink(this.uavId, 'commands/ack'), JSON.stringify(ack), {
      qos: 1,
    });
  }

  /** One step of the flight: progress, reported; the last report is sent a few times more. */
  private fly(): void {
    const flight = this.flight;
    if (!flight) {
      if (this.lastFinal && this.finalRepeats < FINAL_REPORT_REPEATS) {
        this.finalRepeats++;
        this.report(this.lastFinal);
      }
      return;
    }
    if (flight.paused) return;
    flight.progress = Math.min(1, flight.progress + (this.options.progressStep ?? 0.25));
    flight.reportSeq++;
    const done = flight.progress >= 1;
    const report: MissionStatusReport = {
      mission_id: flight.missionId,
      progress: Number(flight.progress.toFixed(4)),
      state: done ? 'SUCCEEDED' : 'RUNNING',
      report_seq: flight.reportSeq,
    };
    this.report(report);
    if (done) {
      this.missionsSucceeded++;
      this.log(`mission ${flight.missionId} SUCCEEDED`);
      this.flight = undefined;
      this.lastFinal = report;
      this.finalRepeats = 0;
    }
  }

  private report(report: MissionStatusReport): void {
    this.statusReports++;
    this.client?.publish(this.topics.uplink(this.uavId, 'mission_status'), JSON.stringify(report), {
      qos: 1,
    });
  }

  private sendTelemetry(): void {
    const t = Date.now();
    const sample = {
      uav_id: this.uavId,
      timestamp_ns: `${t}000000`,
      position: {
        lat: 47 + Math.sin(t / 60_000) / 100,
        lon: 8 + Math.cos(t / 60_000) / 100,
        alt: 120,
      },
      battery: { percent: 80 },
      link_quality: 0.9,
      flight_mode: this.flight ? 'MISSION' : 'HOLD',
    };
    this.telemetrySent++;
    this.client?.publish(this.topics.uplink(this.uavId, 'telemetry'), JSON.stringify(sample), {
      qos: 0,
    });
  }

  private log(line: string): void {
    this.options.log?.(`${this.uavId}: ${line}`);
  }
}
