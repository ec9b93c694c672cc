/** A source of uniformly distributed integers. Injected so that simulations are reproducible. */
export interface RandomSource {
  /** An integer in [0, bound). */
  nextInt(bound: number): number;
}

/**
 * A small seeded generator (mulberry32). Deterministic for a given seed; good enough for election
 * jitter and fault schedules, not for anything secret.
 */
export class SeededRandom implements RandomSource {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  nextInt(bound: number): number {
    return Math.floor(this.nextFloat() * bound);
  }

  /** A float in [0, 1). */
  nextFloat(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
