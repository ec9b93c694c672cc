import { PackedSamples } from './packed-samples';
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

/** Slots a window starts with; it doubles them as samples come, up to its capacity. */
const FIRST_SLOTS = 2;

/**
 * One UAV's recent samples, ordered by `timestamp_ns`, in a ring buffer of fixed capacity: memory
 * stays bounded whatever the rate. In-order samples (the usual case) cost O(1); one that arrives
 * out of order is moved into its place, shifting the newer ones. The buffer grows with the samples
 * up to its capacity, so that a UAV heard from a few times costs a few slots, not a whole window.
 * Samples are kept packed, outside the V8 heap ({@link PackedSamples}); reading one makes it an
 * object again.
 */
export class SampleWindow {
  /** Grows up to `capacity`; until it is full, `head` stays 0 and slots are filled in order. */
  private readonly slots: PackedSamples;
  /** The slot of the oldest sample. */
  private head = 0;
  private count = 0;

  constructor(
    readonly uavId: string,
    readonly capacity: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`a sample window holds at least one sample, got ${capacity}`);
    }
    this.slots = new PackedSamples(Math.min(capacity, FIRST_SLOTS));
  }

  get size(): number {
    return this.count;
  }

  newest(): TelemetrySample | undefined {
    return this.count === 0 ? undefined : this.read(this.count - 1);
  }

  insert(sample: TelemetrySample): WindowInsert {
    const ts = sample.timestamp_ns;
    if (this.count === 0 || ts > this.timestampAt(this.count - 1)) {
      this.append(sample);
      return 'newest';
    }
    // Find the last kept sample not newer than this one, from the newest end (late samples are
    // usually only a little late).
    let position = this.count - 1;
    while (position >= 0 && this.timestampAt(position) > ts) position--;
    if (position >= 0 && this.timestampAt(position) === ts) return 'duplicate';
    if (position < 0 && this.count === this.capacity) return 'too-old';
    if (this.count === this.capacity) {
      // Full: the oldest goes, and everything up to the new one's place moves one slot down.
      for (let i = 0; i < position; i++) this.move(i + 1, i);
      this.write(position, sample);
      return 'inserted';
    }
    this.makeRoom();
    for (let i = this.count; i > position + 1; i--) this.move(i - 1, i);
    this.write(position + 1, sample);
    this.count++;
    return 'inserted';
  }

  /** The kept samples newer than `afterNs`, oldest first. */
  since(afterNs: bigint): TelemetrySample[] {
    let first = this.count;
    while (first > 0 && this.timestampAt(first - 1) > afterNs) first--;
    const result: TelemetrySample[] = [];
    for (let i = first; i < this.count; i++) result.push(this.read(i));
    return result;
  }

  /** Every kept sample, oldest first. */
  all(): TelemetrySample[] {
    const result: TelemetrySample[] = [];
    for (let i = 0; i < this.count; i++) result.push(this.read(i));
    return result;
  }

  private append(sample: TelemetrySample): void {
    if (this.count === this.capacity) {
      this.slots.write(this.head, sample);
      this.head = (this.head + 1) % this.capacity;
      return;
    }
    this.makeRoom();
    this.write(this.count, sample);
    this.count++;
  }

  /** One more sample fits the slots (called only while the window is not full, so head is 0). */
  private makeRoom(): void {
    if (this.count < this.slots.slots) return;
    this.slots.grow(Math.min(this.capacity, this.slots.slots * 2));
  }

  /** The slot of a logical position (0 = oldest). */
  private slotOf(position: number): number {
    return (this.head + position) % this.capacity;
  }

  private timestampAt(position: number): bigint {
    return this.slots.timestampAt(this.slotOf(position));
  }

  private read(position: number): TelemetrySample {
    return this.slots.read(this.slotOf(position), this.uavId);
  }

  private write(position: number, sample: TelemetrySample): void {
    this.slots.write(this.slotOf(position), sample);
  }

  private move(from: number, to: number): void {
    this.slots.copy(this.slotOf(from), this.slotOf(to));
  }
}
