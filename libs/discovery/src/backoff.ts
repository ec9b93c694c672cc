/**
 * Exponential backoff with jitter: `min`, then doubling up to `max`, each delay drawn between half
 * and all of its step so that nodes failing together do not retry in lockstep.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
  ) {}

  /** The delay before the next retry. */
  next(): number {
    const step = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.attempt, 30));
    this.attempt += 1;
    return Math.max(this.minMs, step / 2 + Math.random() * (step / 2));
  }

  /** After a success: the next failure starts from `min` again. */
  reset(): void {
    this.attempt = 0;
  }
}
