import {
  Inject,
  Injectable,
  OnApplicationBootstrap,
  OnModuleDestroy,
  Optional,
} from '@nestjs/common';
import { NODE_CONFIG, NodeConfig } from '@falconmind/config';
import { ClusterNodeRuntime, DriverStoppedError, OutcomeUnknownError } from '@falconmind/consensus';
import {
  FLEET_EVENT_RETENTION_ENTRIES,
  FleetEventPosition,
  readFleetEvents,
} from '@falconmind/fleet';
import type { TelemetrySample } from '@falconmind/telemetry';
import { DataSource } from 'typeorm';
import { CLUSTER_RUNTIME, NODE_DATA_SOURCE, NODE_LOGGER } from '../cluster/cluster.tokens';
import { NodeLogger } from '../node-logger';
import { TELEMETRY_FEED, TelemetryFeed } from '../telemetry/telemetry.tokens';
import { EncodedEvent, EncodedTelemetry, EventSink } from './event-sink';
import { EVENT_STREAM_LIMITS, StreamCloseReason } from './event-stream-limits';
import type { EventStreamRequest } from './event-stream-request';
import { EventSubscriber } from './event-subscriber';

/** Answered when a client asks to resume from an index whose events may have been pruned. */
export class EventsGoneError extends Error {
  constructor(readonly oldestResumableIndex: number) {
    super(`events before log index ${oldestResumableIndex} are no longer kept`);
    this.name = 'EventsGoneError';
  }
}

/**
 * Answered when a client asks to resume after an index the cluster's log has not reached: only the
 * leader says so, since its log holds every committed entry (a follower may be behind, and an id
 * it has not reached yet is valid: its stream starts there and catches up).
 */
export class EventsNotYetWrittenError extends Error {
  constructor(readonly lastIndex: number) {
    super(`the log ends at index ${lastIndex}: no event after it exists yet`);
    this.name = 'EventsNotYetWrittenError';
  }
}

/**
 * The node's live event feed. After the node applies entries it reads their events once from
 * `fleet_events` and hands them to every subscriber (SSE and WebSocket alike). The events were
 * written with the entries, so every node sends the same events in the same order, and a client
 * resuming from an event id is replayed from the same table.
 */
@Injectable()
export class EventFeed implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly subscribers = new Set<EventSubscriber>();
  /** Every event up to this log index has been handed to the subscribers. */
  private fannedOutTo = 0;
  /**
   * The last event handed to the subscribers (at or past `fannedOutTo`: a batch is read a page at
   * a time). A subscriber that joins starts right after it, so whatever it is not handed from now
   * on it was never meant to get: no page of the batch being read is skipped for it.
   */
  private handedOutTo: FleetEventPosition = { index: 0, position: Number.MAX_SAFE_INTEGER };
  private running = false;
  /** Set once the node stops: no stream is opened after that. */
  private stopped = false;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private stopTelemetry: (() => void) | undefined;
  /** Events handed out since start (each counted once, whatever the number of subscribers). */
  eventsFannedOut = 0;
  /** Streams the node closed since start, by reason. */
  readonly cutOffs: Record<StreamCloseReason, number> = {
    slow_consumer: 0,
    shutting_down: 0,
    replay_failed: 0,
  };

  constructor(
    @Inject(CLUSTER_RUNTIME) private readonly runtime: ClusterNodeRuntime,
    @Inject(NODE_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(NODE_LOGGER) private readonly logger: NodeLogger,
    @Inject(NODE_CONFIG) private readonly config: Pick<NodeConfig, 'eventsMaxSubscribers'>,
    @Optional() @Inject(TELEMETRY_FEED) private readonly telemetryFeed?: TelemetryFeed,
  ) {}

  onApplicationBootstrap(): void {
    this.fannedOutTo = this.runtime.driver.status().stateMachineApplied;
    this.handedOutTo = { index: this.fannedOutTo, position: Number.MAX_SAFE_INTEGER };
    this.running = true;
    void this.followAppliedEntries();
    this.heartbeatTimer = setInterval(() => {
      for (const subscriber of this.subscribers) subscriber.heartbeat();
    }, EVENT_STREAM_LIMITS.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
  }

  /** Before the HTTP server closes: it would wait for open streams otherwise. */
  onModuleDestroy(): void {
    this.running = false;
    this.stopped = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.stopTelemetry?.();
    this.stopTelemetry = undefined;
    for (const subscriber of this.subscribers) {
      subscriber.cutOff('shutting_down', 'this node is stopping; reconnect to another node');
    }
    this.subscribers.clear();
  }

  /** True once the node is stopping: streams are refused (SSE) or closed at once. */
  get isStopping(): boolean {
    return this.stopped;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** The most streams this node serves at once (`EVENTS_MAX_SUBSCRIBERS`). */
  get subscriberLimit(): number {
    return this.config.eventsMaxSubscribers;
  }

  /** True when this node can serve telemetry (a telemetry provider is present). */
  get telemetryAvailable(): boolean {
    return this.telemetryFeed !== undefined;
  }

  /**
   * Throws {@link EventsGoneError} when the request resumes from before what is surely still
   * stored (events are pruned by index: those after `applied - retention` are all kept), and
   * {@link EventsNotYetWrittenError} when this node leads and its log has not reached the index.
   */
  assertResumable(request: EventStreamRequest): void {
    if (!request.after) return;
    const status = this.runtime.driver.status();
    const oldest = status.stateMachineApplied - FLEET_EVENT_RETENTION_ENTRIES;
    if (request.after.index < oldest) throw new EventsGoneError(oldest);
    if (status.role === 'leader' && request.after.index > status.lastIndex) {
      throw new EventsNotYetWrittenError(status.lastIndex);
    }
  }

  /**
   * Attaches a client (checked with {@link assertResumable} first): replays what it missed if it
   * resumes, then sends events live as they are applied.
   */
  subscribe(request: EventStreamRequest, sink: EventSink): EventSubscriber {
    const subscriber = new EventSubscriber(request, sink, this.handedOutTo);
    if (this.stopped) {
      // Admitted just before the node began to stop (a WebSocket handshake was under way).
      subscriber.cutOff('shutting_down', 'this node is stopping; reconnect to another node');
      this.cutOffs.shutting_down++;
      return subscriber;
    }
    this.subscribers.add(subscriber);
    sink.onClosed(() => {
      if (subscriber.cutOffReason) this.cutOffs[subscriber.cutOffReason]++;
      this.subscribers.delete(subscriber);
      this.updateTelemetrySubscription();
    });
    this.updateTelemetrySubscription();
    if (request.after) void this.replay(subscriber);
    return subscriber;
  }

  /** Sends a resuming client what it missed, a page at a time, then lets the live feed through. */
  private async replay(subscriber: EventSubscriber): Promise<void> {
    try {
      for (;;) {
        const page = await readFleetEvents(
          this.dataSource,
          subscriber.resumePoint,
          EVENT_STREAM_LIMITS.replayPageSize,
        );
        for (const event of page) await subscriber.replay(new EncodedEvent(event));
        if (subscriber.isClosed || page.length < EVENT_STREAM_LIMITS.replayPageSize) break;
      }
      subscriber.finishReplay();
    } catch (error) {
      this.logger.warn('could not replay events to a subscriber', { error: String(error) });
      subscriber.cutOff('replay_failed', 'the replay failed; reconnect with your last event id');
    }
  }

  /** Waits for each newly applied batch, reads its events once, and fans them out. */
  private async followAppliedEntries(): Promise<void> {
    while (this.running) {
      let applied: number;
      try {
        applied = await this.runtime.driver.waitForApplied(
          this.fannedOutTo + 1,
          EVENT_STREAM_LIMITS.appliedWaitMs,
        );
      } catch (error) {
        if (error instanceof OutcomeUnknownError) continue; // nothing applied for a while
        if (!(error instanceof DriverStoppedError)) {
          this.logger.warn('the event feed stopped', { error: String(error) });
        }
        return;
      }
      try {
        await this.fanOut(applied);
      } catch (error) {
        // The database was unreachable: try the same range again shortly; nothing is skipped.
        this.logger.warn('could not read applied events; retrying', { error: String(error) });
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  private async fanOut(applied: number): Promise<void> {
    if (this.subscribers.size === 0) {
      // No one listens: nothing to read. A later subscriber resuming from earlier is replayed.
      this.fannedOutTo = applied;
      this.handedOutTo = { index: applied, position: Number.MAX_SAFE_INTEGER };
      return;
    }
    for (;;) {
      const page = await readFleetEvents(
        this.dataSource,
        this.handedOutTo,
        EVENT_STREAM_LIMITS.replayPageSize,
        applied,
      );
      for (const event of page) {
        const encoded = new EncodedEvent(event);
        for (const subscriber of this.subscribers) subscriber.offer(encoded);
      }
      this.eventsFannedOut += page.length;
      if (page.length < EVENT_STREAM_LIMITS.replayPageSize) break;
      // Before the next read: a subscriber joining meanwhile must get the next page.
      const last = page[page.length - 1];
      this.handedOutTo = { index: last.index, position: last.position };
    }
    this.fannedOutTo = applied;
    this.handedOutTo = { index: applied, position: Number.MAX_SAFE_INTEGER };
  }

  /** Listens to the telemetry feed only while some subscriber wants telemetry. */
  private updateTelemetrySubscription(): void {
    if (!this.telemetryFeed) return;
    const wanted = [...this.subscribers].some((s) => s.wantsTelemetry && !s.isClosed);
    if (wanted && !this.stopTelemetry) {
      this.stopTelemetry = this.telemetryFeed.subscribe((sample) => this.onTelemetry(sample));
    } else if (!wanted && this.stopTelemetry) {
      this.stopTelemetry();
      this.stopTelemetry = undefined;
    }
  }

  private onTelemetry(sample: TelemetrySample): void {
    const encoded = new EncodedTelemetry(sample.uav_id, sample);
    for (const subscriber of this.subscribers) subscriber.telemetry(encoded);
  }
}
