import type { TelemetrySample } from './telemetry-sample';

/** What {@link SampleWindow.insert} did with a sample. */
export type WindowInsert =
  /** Kept, and it is now the newest. */
  | 'newest'
  /** Kept in its place among older samples (it arrived out of order). */
  | 'inserted'
  /** A sample with the same timestamp_ns is already kept: nothing changed. */
  | 'duplicate'
  /** Older than everything in a full window: nothing changed. */
  | 'too-old';

/**
 * One UAV's recent samples, ordered by `timestamp_ns`, in a ring buffer of fixed capacity: memory
 * stays bounded whatever the rate. In-order samples (the usual case) cost O(1); one that arrives
 * out of order is moved into its place, shifting the newer ones. The buffer grows with the samples
 * up to its capacity, so that a UAV heard from a few times costs a few slots, not a whole window.
 */
export class SampleWindow {
  /** Grows up to `capacity`; until it is full, `head` stays 0 and slots are filled in order. */
  private readonly slots: Array<TelemetrySample | undefined> = [];
  /** The slot of the oldest sample. */
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`a sample window holds at least one sample, got ${capacity}`);
    }
  }

  get size(): number {
    return this.count;
  }

  newest(): TelemetrySample | undefined {
    return this.count === 0 ? undefined : this.at(this.count - 1);
  }

  insert(sample: TelemetrySample): WindowInsert {
    const ts = sample.timestamp_ns;
    const newest = this.newest();
    if (newest === undefined || ts > newest.timestamp_ns) {
      this.append(sample);
      return 'newest';
    }
    // Find the last kept sample not newer than this one, from the newest end (late samples are
    // usually only a little late).
    let position = this.count - 1;
    while (position >= 0 && this.at(position).timestamp_ns > ts) position--;
    if (position >= 0 && this.at(position).timestamp_ns === ts) return 'duplicate';
    if (position < 0 && this.count === this.capacity) return 'too-old';
    if (this.count === this.capacity) {
      // Full: the oldest goes, and everything up to the new one's place moves one slot down.
      for (let i = 0; i < position; i++) this.put(i, this.at(i + 1));
      this.put(position, sample);
      return 'inserted';
    }
    for (let i = this.count; i > position + 1; i--) this.put(i, this.at(i - 1));
    this.put(position + 1, sample);
    this.count++;
    return 'inserted';
  }

  /** The kept samples newer than `afterNs`, oldest first. */
  since(afterNs: bigint): TelemetrySample[] {
    const result: TelemetrySample[] = [];
    for (let i = this.count - 1; i >= 0; i--) {
      const sample = this.at(i);
      if (sample.timestamp_ns <= afterNs) break;
      result.push(sample);
    }
    return result.reverse();
  }

  /** Every kept sample, oldest first. */
  all(): TelemetrySample[] {
    const result: TelemetrySample[] = [];
    for (let i = 0; i < this.count; i++) result.push(this.at(i));
    return result;
  }

  private append(sample: TelemetrySample): void {
    if (this.count === this.capacity) {
      this.slots[this.head] = sample;
      this.head = (this.head + 1) % this.capacity;
      return;
    }
    this.put(this.count, sample);
    this.count++;
  }

  /** The sample at a logical position (0 = oldest). */
  private at(position: number): TelemetrySample {
    const sample = this.slots[(this.head + position) % this.capacity];
    if (sample === undefined) throw new Error(`sample window slot ${position} is empty`);
    return sample;
  }

  private put(position: number, sample: TelemetrySample): void {
    this.slots[(this.head + position) % this.capacity] = sample;
  }
}
