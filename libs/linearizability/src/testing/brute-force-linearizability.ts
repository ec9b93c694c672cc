import type { Model } from '../core/model';
import type { Operation } from '../core/operation';

/**
 * Decides linearizability by trying every order that respects real time: exponential, for
 * cross-checking the real checker on tiny histories only. `info` operations may be left out.
 * Works on one key's operations (or a model with a single key).
 */
export function isLinearizableByBruteForce<State, Input, Output>(
  model: Model<State, Input, Output>,
  operations: readonly Operation<Input, Output>[],
): boolean {
  const returnOf = (operation: Operation<Input, Output>): number =>
    operation.status === 'ok' ? operation.return : Infinity;

  const extend = (state: State, remaining: readonly Operation<Input, Output>[]): boolean => {
    if (remaining.every((operation) => operation.status === 'info')) return true;
    return remaining.some((candidate) => {
      // Something that returned before the candidate was called must come first.
      const mustWait = remaining.some((other) => returnOf(other) < candidate.call);
      if (mustWait) return false;
      const output = candidate.status === 'ok' ? candidate.output : undefined;
      const next = model.step(state, candidate.input, output);
      const rest = remaining.filter((operation) => operation !== candidate);
      if (next !== undefined && extend(next, rest)) return true;
      // An `info` operation may also never take effect.
      return candidate.status === 'info' && extend(state, rest);
    });
  };
  return extend(model.init(), operations);
}
