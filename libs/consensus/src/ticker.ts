/**
 * Turns wall time into Raft ticks from a monotonic clock. A timer that fires late (a busy event loop,
 * a paused process) yields every tick that passed, not one: the core's lease reads rely on ticks
 * tracking real time (docs/raft.md).
 */
export class MonotonicTicker {
  private timer: NodeJS.Timeout | undefined;
  private last = 0;

  constructor(
    private readonly tickMs: number,
    private readonly onTicks: (ticks: number) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  start(): void {
    if (this.timer) return;
    this.last = this.now();
    this.timer = setInterval(() => this.fire(), this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Delivers the ticks elapsed since the last call. Public for deterministic tests. */
  fire(): void {
    const now = this.now();
    const ticks = Math.floor((now - this.last) / this.tickMs);
    if (ticks <= 0) return;
    this.last += ticks * this.tickMs;
    this.onTicks(ticks);
  }
}
