import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { NODE_CONFIG, NodeConfig } from '@falconmind/config';
import {
  SourcedSample,
  TelemetryCounters,
  TelemetryPipeline,
  TelemetrySample,
  TelemetrySource,
} from '@falconmind/telemetry';
import { NODE_LOGGER } from '../cluster/cluster.tokens';
import { NodeLogger } from '../node-logger';
import type { TelemetryFeed, TelemetryIngest, TelemetryIngestResult } from './telemetry.tokens';

/** Samples stored at a time; the drain goes on slice after slice within its time budget. */
export const DRAIN_SLICE = 500;
/**
 * The time one turn of the event loop may spend storing samples. Short enough that Raft's timers
 * and I/O run between turns whatever the telemetry rate; long enough to keep up with several
 * requests' worth of samples arriving in one turn.
 */
export const DRAIN_BUDGET_MS = 4;
/**
 * Valid samples waiting to be stored at most (about a second at the target rate); beyond it the
 * oldest are shed and counted.
 */
export const INGEST_QUEUE_CAPACITY = 20_000;

/** Who else hears about new samples: peer sharing and the heartbeat path. */
export interface FreshSamplesSink {
  /** Called once per drained slice with the samples that were new, in order; must not throw. */
  take(fresh: readonly SourcedSample[]): void;
}

/**
 * This node's telemetry: validates what arrives (HTTP, MQTT, peers), queues the good samples, and
 * stores them in slices on later turns of the event loop, handing the new ones to the live feed's
 * subscribers and to the sinks (peer sharing, heartbeats). Never through Raft.
 */
@Injectable()
export class TelemetryService implements TelemetryIngest, TelemetryFeed, OnApplicationShutdown {
  readonly pipeline: TelemetryPipeline;
  private readonly listeners = new Set<(sample: TelemetrySample) => void>();
  private readonly sinks: FreshSamplesSink[] = [];
  private drainScheduled: NodeJS.Immediate | undefined;
  private stopped = false;

  constructor(
    @Inject(NODE_CONFIG) config: NodeConfig,
    @Inject(NODE_LOGGER) private readonly logger: NodeLogger,
  ) {
    this.pipeline = new TelemetryPipeline({
      windowSize: config.telemetryWindow,
      maxSamples: config.telemetryMaxSamples,
      queueCapacity: INGEST_QUEUE_CAPACITY,
    });
  }

  ingest(samples: readonly unknown[], source: TelemetrySource): TelemetryIngestResult {
    const result = this.pipeline.ingest(samples, source, nowNs());
    if (result.accepted > 0) this.scheduleDrain();
    return result;
  }

  subscribe(listener: (sample: TelemetrySample) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Adds a consumer of new samples (peer sharing, heartbeats). */
  addSink(sink: FreshSamplesSink): void {
    this.sinks.push(sink);
  }

  get counters(): TelemetryCounters {
    return this.pipeline.counters;
  }

  latest(uavId: string): TelemetrySample | undefined {
    return this.pipeline.store.latest(uavId);
  }

  since(uavId: string, afterNs: bigint): TelemetrySample[] {
    return this.pipeline.store.since(uavId, afterNs);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    if (this.drainScheduled !== undefined) clearImmediate(this.drainScheduled);
    this.drainScheduled = undefined;
    this.listeners.clear();
  }

  private scheduleDrain(): void {
    if (this.drainScheduled !== undefined || this.stopped) return;
    this.drainScheduled = setImmediate(() => this.drain());
  }

  private drain(): void {
    this.drainScheduled = undefined;
    const started = performance.now();
    do this.handOn(this.pipeline.drain(DRAIN_SLICE));
    while (this.pipeline.backlog > 0 && performance.now() - started < DRAIN_BUDGET_MS);
    if (this.pipeline.backlog > 0) this.scheduleDrain();
  }

  private handOn(fresh: readonly SourcedSample[]): void {
    if (fresh.length === 0) return;
    for (const { sample } of fresh) {
      for (const listener of this.listeners) {
        try {
          listener(sample);
        } catch (error) {
          this.logger.warn('a telemetry subscriber threw', { error: String(error) });
        }
      }
    }
    for (const sink of this.sinks) {
      try {
        sink.take(fresh);
      } catch (error) {
        this.logger.warn('a telemetry sink threw', { error: String(error) });
      }
    }
  }
}

/** The node's clock in nanoseconds since the epoch (millisecond precision is all it needs). */
export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}
