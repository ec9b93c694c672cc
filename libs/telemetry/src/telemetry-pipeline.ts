import { SampleProblem, validateBatch } from './sample-validation';
import { SheddingQueue } from './shedding-queue';
import type { TelemetrySample, TelemetrySource } from './telemetry-sample';
import { TelemetryStore } from './telemetry-store';

/** A sample waiting to be stored, and where it came from. */
export interface SourcedSample {
  readonly sample: TelemetrySample;
  readonly source: TelemetrySource;
}

/** Counts per source, since start. */
export type SourceCounts = Record<TelemetrySource, number>;

export interface TelemetryCounters {
  /** Valid samples taken in (queued). */
  readonly accepted: SourceCounts;
  /** Invalid samples refused. */
  readonly rejected: SourceCounts;
  /** Valid samples shed from a full queue before they were stored. */
  readonly shed: SourceCounts;
  /** Stored samples that changed nothing (seen before, or older than a full window). */
  readonly stale: SourceCounts;
}

export interface TelemetryPipelineOptions {
  readonly windowSize: number;
  /** Valid samples waiting to be stored at most; beyond it the oldest are shed. */
  readonly queueCapacity: number;
  readonly maxUavs?: number;
  /** Samples kept at most, all UAVs together (see TelemetryStoreOptions.maxSamples). */
  readonly maxSamples?: number;
  /** How far ahead of the node's clock a sample may be stamped (see validateSample). */
  readonly maxFutureSkewNs?: bigint;
}

const zero = (): Record<TelemetrySource, number> => ({ http: 0, mqtt: 0, peer: 0 });

/**
 * A node's telemetry, without timers or I/O: `ingest` validates a batch and queues its good samples
 * (cheap, at once); `drain` stores up to a given number of queued samples and returns those that
 * were new, for the caller to hand on. The caller drains in small slices between other work, so
 * that no burst of telemetry holds the event loop; when it cannot keep up the queue sheds the oldest
 * samples, and counts them.
 */
export class TelemetryPipeline {
  readonly store: TelemetryStore;
  private readonly queue: SheddingQueue<SourcedSample>;
  private readonly counts = { accepted: zero(), rejected: zero(), shed: zero(), stale: zero() };

  constructor(private readonly options: TelemetryPipelineOptions) {
    this.store = new TelemetryStore({
      windowSize: options.windowSize,
      maxUavs: options.maxUavs,
      maxSamples: options.maxSamples,
    });
    this.queue = new SheddingQueue(options.queueCapacity);
  }

  get counters(): TelemetryCounters {
    return this.counts;
  }

  /** Samples waiting to be stored. */
  get backlog(): number {
    return this.queue.size;
  }

  /** Validates each raw sample on its own and queues the good ones. */
  ingest(
    raws: readonly unknown[],
    source: TelemetrySource,
    nowNs: bigint,
  ): { accepted: number; rejected: SampleProblem[] } {
    const { samples, problems } = validateBatch(raws, {
      nowNs,
      maxFutureSkewNs: this.options.maxFutureSkewNs,
    });
    for (const sample of samples) {
      const shed = this.queue.push({ sample, source });
      if (shed !== undefined) this.counts.shed[shed.source]++;
    }
    this.counts.accepted[source] += samples.length;
    this.counts.rejected[source] += problems.length;
    return { accepted: samples.length, rejected: problems };
  }

  /** Stores up to `max` queued samples, oldest first; returns those that were new. */
  drain(max: number): SourcedSample[] {
    const fresh: SourcedSample[] = [];
    for (const item of this.queue.take(max)) {
      const outcome = this.store.record(item.sample);
      if (outcome === 'duplicate' || outcome === 'too-old') this.counts.stale[item.source]++;
      else fresh.push(item);
    }
    return fresh;
  }
}
