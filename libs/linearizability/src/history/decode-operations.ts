import type { Operation } from '../core/operation';
import type { HistoryOperation } from './history-operation';
import type { JsonValue } from './json-value';

/** Reads one recorded operation into a model's types; throws `OperationDecodeError` if it cannot. */
export interface OperationDecoder<Input, Output> {
  input(operation: HistoryOperation): Input;
  /**
   * Called for every `ok` operation, also when the completion had no output: an `ok` read without
   * one must be an error, not a read the checker takes as "outcome unknown".
   */
  output(input: Input, output: JsonValue | undefined, operation: HistoryOperation): Output;
}

/** Translates parsed operations for a model; the times, ids and statuses stay as they are. */
export function decodeOperations<Input, Output>(
  operations: readonly HistoryOperation[],
  decoder: OperationDecoder<Input, Output>,
): Operation<Input, Output>[] {
  return operations.map((operation) => {
    const input = decoder.input(operation);
    const { id, process, status, call } = operation;
    const base = { id, process, input, status, call, return: operation.return };
    return operation.status === 'ok'
      ? { ...base, output: decoder.output(input, operation.output, operation) }
      : base;
  });
}
