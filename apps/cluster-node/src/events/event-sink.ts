import type { FleetEvent } from '@falconmind/fleet';
import type { StreamCloseReason } from './event-stream-limits';

/** A telemetry sample as streams carry it: the sample's JSON form (`timestamp_ns` a string). */
export type TelemetryFrame = Readonly<Record<string, unknown>>;

/**
 * One subscriber's connection, SSE or WebSocket. Writes never block: the connection buffers, and
 * the subscriber watches `bufferedBytes()` to cut off a client that does not keep up.
 */
export interface EventSink {
  sendEvent(event: EncodedEvent): void;
  sendTelemetry(sample: EncodedTelemetry): void;
  heartbeat(): void;
  /** Bytes written and not yet handed to the network. */
  bufferedBytes(): number;
  /** Resolves once the buffer has drained (or the connection closed). */
  drained(): Promise<void>;
  /** Tells the client why, then closes. */
  close(reason: StreamCloseReason, message: string, lastEventId: string | undefined): void;
  /** Called once when the connection ends, whoever ended it. */
  onClosed(listener: () => void): void;
}

/**
 * An event serialised once for every subscriber that gets it (1,000 subscribers must not mean
 * 1,000 JSON.stringify calls): the JSON text and the SSE frame, each made on first use.
 */
export class EncodedEvent {
  private jsonText?: string;
  private sseText?: string;

  constructor(readonly event: FleetEvent) {}

  get json(): string {
    this.jsonText ??= JSON.stringify(this.event);
    return this.jsonText;
  }

  get sse(): string {
    this.sseText ??= `id: ${this.event.id}\nevent: ${this.event.type}\ndata: ${this.json}\n\n`;
    return this.sseText;
  }
}

/** A telemetry sample serialised once: `{"type":"telemetry","data":{…}}` and its SSE frame. */
export class EncodedTelemetry {
  private jsonText?: string;
  private sseText?: string;

  constructor(
    readonly uavId: string,
    private readonly sample: unknown,
  ) {}

  get json(): string {
    this.jsonText ??= JSON.stringify({ type: 'telemetry', data: this.sample }, (_key, value) =>
      typeof value === 'bigint' ? value.toString() : (value as unknown),
    );
    return this.jsonText;
  }

  get sse(): string {
    // No `id:` line: telemetry is not in the log, so it must not move the client's Last-Event-ID.
    this.sseText ??= `event: telemetry\ndata: ${this.json}\n\n`;
    return this.sseText;
  }
}
