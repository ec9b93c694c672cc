import {
  FleetEventPosition,
  fleetEventId,
  isAfter,
  missionIdOf,
  uavIdsOf,
} from '@falconmind/fleet';
import type { EncodedEvent, EncodedTelemetry, EventSink } from './event-sink';
import type { EventStreamRequest } from './event-stream-request';
import { EVENT_STREAM_LIMITS, StreamCloseReason } from './event-stream-limits';

/**
 * One client of the live streams: its filters, where it stands in the log, and its connection.
 * Events reach it in log order exactly once: each is sent only if it comes after the last one
 * passed on, so a replay and the live feed may overlap without a gap or a repeat.
 */
export class EventSubscriber {
  /** The last event passed on (sent, or skipped by the filters). */
  private position: FleetEventPosition;
  private replaying: boolean;
  /** Live events that arrived during the replay, in order. */
  private pending: EncodedEvent[] = [];
  private closed = false;
  /** Why the node closed this stream, when it did (not when the client left). */
  cutOffReason: StreamCloseReason | undefined;

  constructor(
    readonly request: EventStreamRequest,
    private readonly sink: EventSink,
    livePosition: FleetEventPosition,
  ) {
    this.position = request.after ?? livePosition;
    this.replaying = request.after !== undefined;
    sink.onClosed(() => {
      this.closed = true;
      this.pending = [];
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get wantsTelemetry(): boolean {
    return this.request.telemetryUavs.size > 0;
  }

  /** Where the replay goes on from. */
  get resumePoint(): FleetEventPosition {
    return this.position;
  }

  /** A live event: sent now, or held until the replay has caught up. */
  offer(event: EncodedEvent): void {
    if (this.closed) return;
    if (this.replaying) {
      this.pending.push(event);
      if (this.pending.length > EVENT_STREAM_LIMITS.maxPendingEvents) {
        this.cutOff(
          'slow_consumer',
          `more than ${EVENT_STREAM_LIMITS.maxPendingEvents} live events arrived while the replay was being read`,
        );
      }
      return;
    }
    this.pass(event);
    this.checkBuffer();
  }

  /** A replayed event, read from the database; waits while the connection is full. */
  async replay(event: EncodedEvent): Promise<void> {
    if (this.closed) return;
    this.pass(event);
    if (this.sink.bufferedBytes() > EVENT_STREAM_LIMITS.replayHighWaterBytes) {
      await this.sink.drained();
    }
  }

  /** The replay reached the end of what is stored: send what arrived live meanwhile. */
  finishReplay(): void {
    if (this.closed) return;
    this.replaying = false;
    const held = this.pending;
    this.pending = [];
    for (const event of held) this.pass(event);
    this.checkBuffer();
  }

  telemetry(sample: EncodedTelemetry): void {
    if (this.closed || !this.request.telemetryUavs.has(sample.uavId)) return;
    this.sink.sendTelemetry(sample);
    this.checkBuffer();
  }

  heartbeat(): void {
    if (!this.closed) this.sink.heartbeat();
  }

  /** Closes the stream, telling the client why and where to resume from. */
  cutOff(reason: StreamCloseReason, message: string): void {
    if (this.closed) return;
    const last =
      this.position.position === Number.MAX_SAFE_INTEGER
        ? String(this.position.index)
        : fleetEventId(this.position.index, this.position.position);
    this.cutOffReason = reason;
    this.sink.close(reason, message, last);
    this.closed = true;
    this.pending = [];
  }

  private pass(encoded: EncodedEvent): void {
    const event = encoded.event;
    if (!isAfter(event, this.position)) return;
    this.position = { index: event.index, position: event.position };
    if (this.matches(encoded)) this.sink.sendEvent(encoded);
  }

  private matches({ event }: EncodedEvent): boolean {
    const { types, missionIds, uavIds } = this.request;
    if (types && !types.has(event.type)) return false;
    if (missionIds) {
      const missionId = missionIdOf(event);
      if (missionId === undefined || !missionIds.has(missionId)) return false;
    }
    if (uavIds && !uavIdsOf(event).some((id) => uavIds.has(id))) return false;
    return true;
  }

  private checkBuffer(): void {
    const buffered = this.sink.bufferedBytes();
    if (buffered > EVENT_STREAM_LIMITS.maxBufferedBytes) {
      this.cutOff(
        'slow_consumer',
        `the client fell behind: ${buffered} bytes were waiting for it (the limit is ${EVENT_STREAM_LIMITS.maxBufferedBytes})`,
      );
    }
  }
}
