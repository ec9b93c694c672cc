import { DEFAULT_MAX_STEPS_PER_KEY, type CheckOptions } from './check-options';
import type { CheckResult, Counterexample, KeyCheckResult, Verdict } from './check-result';
import { buildCounterexample } from './counterexample';
import type { Model } from './model';
import type { Operation } from './operation';
import { partitionByKey } from './partition-by-key';
import { SearchBudget } from './search-budget';
import { searchPartition } from './search-partition';
import { validateOperations } from './validate-operations';

/** Undecided keys named in the overall reason; the rest are counted. */
const UNKNOWN_KEYS_NAMED = 5;

/**
 * Decides whether `operations` (an `ok`/`info` history; drop `fail` operations first) is
 * linearizable with respect to `model`, one key at a time. A key whose search runs out of budget or
 * time is `unknown`, never `linearizable`. Throws `RangeError` on operations that are not a history
 * (a return before its call, a reused id).
 */
export function checkLinearizability<State, Input, Output>(
  model: Model<State, Input, Output>,
  operations: readonly Operation<Input, Output>[],
  options: CheckOptions = {},
): CheckResult<Input, Output> {
  const startedAt = Date.now();
  validateOperations(operations);
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS_PER_KEY;
  if (!(maxSteps > 0)) throw new RangeError(`maxSteps must be positive, got ${maxSteps}`);
  const budget = new SearchBudget(maxSteps, earliestDeadline(startedAt, options));

  const keys: KeyCheckResult[] = [];
  let counterexample: Counterexample<Input, Output> | undefined;
  for (const { key, operations: keyOperations } of partitionByKey(model, operations)) {
    const operationCount = keyOperations.length;
    const late = budget.deadlinePassed();
    if (late !== undefined) {
      keys.push({ key, operationCount, verdict: 'unknown', steps: 0, reason: late });
      continue;
    }
    const outcome = searchPartition(model, keyOperations, budget);
    const { verdict, steps } = outcome;
    if (outcome.verdict === 'unknown') {
      keys.push({ key, operationCount, verdict, steps, reason: outcome.reason });
    } else {
      keys.push({ key, operationCount, verdict, steps });
    }
    if (outcome.verdict === 'not-linearizable' && counterexample === undefined) {
      counterexample = buildCounterexample(model, key, keyOperations, outcome.witness);
    }
  }

  const verdict = overallVerdict(keys);
  const elapsedMs = Date.now() - startedAt;
  if (verdict === 'unknown') return { verdict, keys, reason: unknownReason(keys), elapsedMs };
  return counterexample === undefined
    ? { verdict, keys, elapsedMs }
    : { verdict, keys, counterexample, elapsedMs };
}

function earliestDeadline(startedAt: number, options: CheckOptions): number | undefined {
  const limits: number[] = [];
  if (options.timeoutMs !== undefined) limits.push(startedAt + options.timeoutMs);
  if (options.deadline !== undefined) limits.push(options.deadline);
  return limits.length === 0 ? undefined : Math.min(...limits);
}

function overallVerdict(keys: readonly KeyCheckResult[]): Verdict {
  if (keys.some((key) => key.verdict === 'not-linearizable')) return 'not-linearizable';
  if (keys.some((key) => key.verdict === 'unknown')) return 'unknown';
  return 'linearizable';
}

function unknownReason(keys: readonly KeyCheckResult[]): string {
  const undecided = keys.filter((key) => key.verdict === 'unknown');
  const named = undecided
    .slice(0, UNKNOWN_KEYS_NAMED)
    .map((key) => `${JSON.stringify(key.key)}: ${key.reason ?? 'no reason given'}`);
  const more = undecided.length - named.length;
  return (
    `${undecided.length} of ${keys.length} keys undecided (none found not linearizable): ` +
    named.join('; ') +
    (more > 0 ? `; and ${more} more` : '')
  );
}
