/**
 * A first-in first-out queue of fixed capacity that never refuses an item: when full, it sheds the
 * oldest to make room, and says which. For telemetry, where the newest data matters most and a
 * node that cannot keep up must not grow without bound.
 */
export class SheddingQueue<T> {
  private readonly slots: Array<T | undefined>;
  private head = 0;
  private count = 0;
  /** Items shed since creation. */
  shed = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`a shedding queue holds at least one item, got ${capacity}`);
    }
    this.slots = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Adds an item; returns the oldest item it shed to make room, if the queue was full. */
  push(item: T): T | undefined {
    if (this.count < this.capacity) {
      this.slots[(this.head + this.count) % this.capacity] = item;
      this.count++;
      return undefined;
    }
    const shed = this.slots[this.head];
    this.slots[this.head] = item;
    this.head = (this.head + 1) % this.capacity;
    this.shed++;
    return shed;
  }

  /** Removes and returns up to `max` items, oldest first. */
  take(max: number): T[] {
    const n = Math.min(max, this.count);
    const items: T[] = new Array<T>(n);
    for (let i = 0; i < n; i++) {
      items[i] = this.slots[this.head] as T;
      this.slots[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
    }
    this.count -= n;
    return items;
  }

  clear(): void {
    this.take(this.count);
  }
}
