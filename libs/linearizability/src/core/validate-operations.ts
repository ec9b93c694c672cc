import type { Operation } from './operation';

/**
 * Rejects operations the search would silently misread: a real-time window that is not one, or
 * an id used twice (counterexamples name operations by id).
 */
export function validateOperations<Input, Output>(
  operations: readonly Operation<Input, Output>[],
): void {
  const ids = new Set<number>();
  for (const operation of operations) {
    const problem = problemWith(operation, ids);
    if (problem !== undefined) throw new RangeError(`operation ${operation.id}: ${problem}`);
    ids.add(operation.id);
  }
}

function problemWith<Input, Output>(
  operation: Operation<Input, Output>,
  earlierIds: ReadonlySet<number>,
): string | undefined {
  if (earlierIds.has(operation.id)) return 'the id is used twice';
  if (operation.status !== 'ok' && operation.status !== 'info') {
    return `status must be 'ok' or 'info', got ${String(operation.status)}`;
  }
  if (!Number.isFinite(operation.call)) return 'call time must be a finite number';
  if (operation.status === 'ok') {
    if (!Number.isFinite(operation.return)) return 'an ok operation needs a finite return time';
    if (operation.return < operation.call) {
      return `returns (${operation.return}) before its call (${operation.call})`;
    }
  }
  return undefined;
}
