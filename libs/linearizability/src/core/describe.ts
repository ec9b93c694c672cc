import type { Model } from './model';
import type { Operation } from './operation';

/** A state as the model renders it, or its key when the model has no renderer. */
export function describeState<State, Input, Output>(
  model: Model<State, Input, Output>,
  state: State,
): string {
  return model.describeState?.(state) ?? model.stateKey(state);
}

/** One line naming the operation, what it did, and its real-time window. */
export function describeOperation<State, Input, Output>(
  model: Model<State, Input, Output>,
  operation: Operation<Input, Output>,
): string {
  const output = operation.status === 'ok' ? operation.output : undefined;
  const what =
    model.describeOperation?.(operation.input, output) ??
    `${JSON.stringify(operation.input)} -> ${output === undefined ? '?' : JSON.stringify(output)}`;
  const window =
    operation.status === 'ok'
      ? `[call ${operation.call}, return ${operation.return}]`
      : `[call ${operation.call}, info: outcome unknown]`;
  return `op ${operation.id} (process ${operation.process}): ${what} ${window}`;
}
