import type { RandomSource } from '@falconmind/raft';

/** Exponential backoff between attempts to (re)open a peer stream. */
export interface BackoffPolicy {
  /** The ceiling of the first delay. */
  readonly initialMs: number;
  /** No delay ever exceeds this. */
  readonly maxMs: number;
  /** The ceiling grows by this factor per failed attempt. */
  readonly multiplier: number;
}

/** 100 ms, doubling, capped at 5 s. */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 5_000, multiplier: 2 };

/** The largest delay before retry number `attempt` (0 for the first retry after a failure). */
export function backoffCeiling(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const grown = policy.initialMs * policy.multiplier ** Math.max(0, attempt);
  return Math.floor(Math.min(policy.maxMs, grown));
}

/**
 * The delay before retry number `attempt`, with full jitter: uniform over [0, ceiling] whole
 * milliseconds, so that peers that lost a node together do not all come back at the same instant.
 */
export function backoffDelay(
  attempt: number,
  random: RandomSource,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): number {
  return random.nextInt(backoffCeiling(attempt, policy) + 1);
}

/** Throws when a policy cannot work (a delay that shrinks, is negative or is not a number). */
export function checkBackoffPolicy(policy: BackoffPolicy): BackoffPolicy {
  const { initialMs, maxMs, multiplier } = policy;
  if (!(Number.isFinite(initialMs) && initialMs > 0)) {
    throw new RangeError(`backoff initialMs must be a positive number, got ${initialMs}`);
  }
  if (!(Number.isFinite(maxMs) && maxMs >= initialMs)) {
    throw new RangeError(`backoff maxMs must be at least initialMs, got ${maxMs}`);
  }
  if (!(Number.isFinite(multiplier) && multiplier >= 1)) {
    throw new RangeError(`backoff multiplier must be at least 1, got ${multiplier}`);
  }
  return policy;
}

/** Randomness from `Math.random`: the default outside tests. */
export const MATH_RANDOM: RandomSource = {
  nextInt: (bound) => Math.floor(Math.random() * bound),
};
