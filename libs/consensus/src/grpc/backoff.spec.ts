import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '@falconmind/raft';
import type { RandomSource } from '@falconmind/raft';
import { DEFAULT_BACKOFF, backoffCeiling, backoffDelay, checkBackoffPolicy } from './backoff';

/** Answers a fixed fraction of every bound, and records the bounds it was asked for. */
class FractionRandom implements RandomSource {
  readonly bounds: number[] = [];
  constructor(private readonly fraction: number) {}
  nextInt(bound: number): number {
    this.bounds.push(bound);
    return Math.floor(this.fraction * bound);
  }
}

describe('reconnect backoff', () => {
  it('starts at 100 ms, doubles, and caps at 5 s', () => {
    const ceilings = Array.from({ length: 10 }, (_, attempt) => backoffCeiling(attempt));
    assert.deepEqual(ceilings, [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000]);
    assert.equal(backoffCeiling(10_000), 5000);
  });

  it('draws each delay uniformly from [0, ceiling] (full jitter)', () => {
    const top = new FractionRandom(0.999_999);
    const delays = Array.from({ length: 8 }, (_, attempt) => backoffDelay(attempt, top));
    assert.deepEqual(delays, [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
    assert.deepEqual(top.bounds, [101, 201, 401, 801, 1601, 3201, 5001, 5001]);

    const bottom = new FractionRandom(0);
    assert.deepEqual(
      Array.from({ length: 4 }, (_, attempt) => backoffDelay(attempt, bottom)),
      [0, 0, 0, 0],
    );
    const half = new FractionRandom(0.5);
    assert.deepEqual(
      Array.from({ length: 4 }, (_, attempt) => backoffDelay(attempt, half)),
      [50, 100, 200, 400],
    );
  });

  it('spreads delays: grows on average, never past the ceiling, rarely repeats', () => {
    const random = new SeededRandom(42);
    const samples = 400;
    const means: number[] = [];
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const delays = Array.from({ length: samples }, () => backoffDelay(attempt, random));
      const ceiling = backoffCeiling(attempt);
      assert.ok(delays.every((d) => Number.isInteger(d) && d >= 0 && d <= ceiling));
      assert.ok(new Set(delays).size > Math.min(ceiling, samples) / 4, `attempt ${attempt} jitter`);
      means.push(delays.reduce((sum, d) => sum + d, 0) / samples);
      // Full jitter: the mean is about half the ceiling.
      assert.ok(Math.abs(means[attempt] - ceiling / 2) < ceiling * 0.1, `attempt ${attempt} mean`);
    }
    for (let i = 1; i < 6; i += 1) assert.ok(means[i] > means[i - 1], `mean grows at ${i}`);
  });

  it('follows a custom policy and refuses impossible ones', () => {
    const policy = { initialMs: 10, maxMs: 50, multiplier: 3 };
    assert.deepEqual(
      [0, 1, 2, 3].map((attempt) => backoffCeiling(attempt, policy)),
      [10, 30, 50, 50],
    );
    assert.equal(checkBackoffPolicy(DEFAULT_BACKOFF), DEFAULT_BACKOFF);
    assert.throws(() => checkBackoffPolicy({ initialMs: 0, maxMs: 10, multiplier: 2 }), RangeError);
    assert.throws(() => checkBackoffPolicy({ initialMs: 10, maxMs: 5, multiplier: 2 }), RangeError);
    assert.throws(
      () => checkBackoffPolicy({ initialMs: 10, maxMs: 50, multiplier: 0.5 }),
      RangeError,
    );
  });
});
