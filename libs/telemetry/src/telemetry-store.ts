import { SampleWindow, WindowInsert } from './sample-window';
import type { TelemetrySample } from './telemetry-sample';

export interface TelemetryStoreOptions {
  /** Samples kept per UAV (TELEMETRY_WINDOW); the latest is always among them. */
  readonly windowSize: number;
  /**
   * UAVs kept at most; beyond it, the UAV heard from least recently is forgotten, so that memory
   * stays bounded even when ids never repeat. Default 100,000.
   */
  readonly maxUavs?: number;
  /**
   * Samples kept at most, all UAVs together (TELEMETRY_MAX_SAMPLES); beyond it, the UAVs heard from
   * least recently are forgotten. Bounds memory where `maxUavs` x `windowSize` alone would not
   * (100,000 x 10,000). At least `windowSize`. Default 1,000,000.
   */
  readonly maxSamples?: number;
}

export const DEFAULT_MAX_UAVS = 100_000;
export const DEFAULT_MAX_SAMPLES = 1_000_000;

/**
 * Each UAV's latest sample and a bounded window of recent ones, in memory. Newest `timestamp_ns`
 * wins: a sample that arrives late (from a slower path, or a peer) takes its place in the window
 * and never replaces a newer latest; one seen before (same UAV and timestamp) changes nothing.
 */
export class TelemetryStore {
  /** In order of the last new sample: the first entry is the UAV heard from least recently. */
  private readonly windows = new Map<string, SampleWindow>();
  private readonly maxUavs: number;
  private readonly maxSamples: number;
  private samples = 0;
  /** UAVs forgotten to keep within maxUavs and maxSamples, since start. */
  evictedUavs = 0;

  constructor(private readonly options: TelemetryStoreOptions) {
    this.maxUavs = options.maxUavs ?? DEFAULT_MAX_UAVS;
    if (!Number.isInteger(this.maxUavs) || this.maxUavs < 1) {
      throw new RangeError(`maxUavs must be a positive integer, got ${this.maxUavs}`);
    }
    // Checked here too, so that a bad size fails at construction rather than at the first sample.
    new SampleWindow('', options.windowSize);
    this.maxSamples = options.maxSamples ?? DEFAULT_MAX_SAMPLES;
    if (!Number.isInteger(this.maxSamples) || this.maxSamples < options.windowSize) {
      throw new RangeError(
        `maxSamples must be an integer of at least the window size (${options.windowSize}), got ${this.maxSamples}`,
      );
    }
  }

  get uavCount(): number {
    return this.windows.size;
  }

  /** Samples held, all UAVs together. */
  get sampleCount(): number {
    return this.samples;
  }

  /** Keeps a sample; says whether it was new ('newest' or 'inserted') or changed nothing. */
  record(sample: TelemetrySample): WindowInsert {
    let window = this.windows.get(sample.uav_id);
    if (window === undefined) {
      if (this.windows.size >= this.maxUavs) this.evictLeastRecent(sample.uav_id);
      window = new SampleWindow(sample.uav_id, this.options.windowSize);
      this.windows.set(sample.uav_id, window);
    }
    const sizeBefore = window.size;
    const outcome = window.insert(sample);
    if (outcome === 'newest') {
      // Moves the UAV to the end of the map's order: most recently heard from.
      this.windows.delete(sample.uav_id);
      this.windows.set(sample.uav_id, window);
    }
    this.samples += window.size - sizeBefore;
    // Never the UAV just heard from: maxSamples >= windowSize, so the others always make room.
    while (this.samples > this.maxSamples && this.evictLeastRecent(sample.uav_id));
    return outcome;
  }

  latest(uavId: string): TelemetrySample | undefined {
    return this.windows.get(uavId)?.newest();
  }

  /** The UAV's kept samples newer than `afterNs`, oldest first (empty when it has none). */
  since(uavId: string, afterNs: bigint): TelemetrySample[] {
    return this.windows.get(uavId)?.since(afterNs) ?? [];
  }

  /** The UAV's kept samples, oldest first. */
  window(uavId: string): TelemetrySample[] {
    return this.windows.get(uavId)?.all() ?? [];
  }

  /** Forgets the UAV heard from least recently, other than `keep`; false when there is none. */
  private evictLeastRecent(keep: string): boolean {
    for (const [uavId, window] of this.windows) {
      if (uavId === keep) continue;
      this.windows.delete(uavId);
      this.samples -= window.size;
      this.evictedUavs++;
      return true;
    }
    return false;
  }
}
