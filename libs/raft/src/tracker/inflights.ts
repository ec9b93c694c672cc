/**
 * The append messages sent to one follower and not yet acknowledged, oldest first, bounded in count and
 * bytes. It is the leader's flow control: while it is full, the follower gets no new appends.
 */
export class Inflights {
  private readonly lastIndexes: number[] = [];
  private readonly sizes: number[] = [];
  private bytes = 0;

  constructor(
    private readonly maxMessages: number,
    /** 0 means no byte limit. */
    private readonly maxBytes: number,
  ) {}

  add(lastIndex: number, bytes: number): void {
    this.lastIndexes.push(lastIndex);
    this.sizes.push(bytes);
    this.bytes += bytes;
  }

  /** Frees every message whose last index is ≤ `index`: the follower has acknowledged them. */
  freeLE(index: number): void {
    let freed = 0;
    while (freed < this.lastIndexes.length && this.lastIndexes[freed] <= index) {
      this.bytes -= this.sizes[freed];
      freed++;
    }
    this.lastIndexes.splice(0, freed);
    this.sizes.splice(0, freed);
  }

  /** Frees the oldest message: a heartbeat response proves the follower is alive, not what it has. */
  freeFirstOne(): void {
    if (this.lastIndexes.length > 0) this.freeLE(this.lastIndexes[0]);
  }

  full(): boolean {
    return (
      this.lastIndexes.length >= this.maxMessages ||
      (this.maxBytes > 0 && this.bytes >= this.maxBytes)
    );
  }

  count(): number {
    return this.lastIndexes.length;
  }

  reset(): void {
    this.lastIndexes.length = 0;
    this.sizes.length = 0;
    this.bytes = 0;
  }
}
