import type { Model } from './model';
import type { Operation } from './operation';

export interface KeyPartition<Input, Output> {
  readonly key: string;
  /** By call time. */
  readonly operations: readonly Operation<Input, Output>[];
}

/**
 * Splits a history by `Model.key`. Linearizability is local (Herlihy & Wing): a history is
 * linearizable exactly when each key's sub-history is, so each key is searched on its own, which
 * keeps every search small. Keys come in order of their first call.
 */
export function partitionByKey<State, Input, Output>(
  model: Model<State, Input, Output>,
  operations: readonly Operation<Input, Output>[],
): KeyPartition<Input, Output>[] {
  const byCall = [...operations].sort((a, b) => a.call - b.call || a.id - b.id);
  const partitions = new Map<string, Operation<Input, Output>[]>();
  for (const operation of byCall) {
    const key = model.key(operation.input);
    const partition = partitions.get(key);
    if (partition === undefined) partitions.set(key, [operation]);
    else partition.push(operation);
  }
  return [...partitions].map(([key, keyOperations]) => ({ key, operations: keyOperations }));
}
