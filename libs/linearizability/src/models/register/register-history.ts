import type { Operation } from '../../core/operation';
import { decodeOperations } from '../../history/decode-operations';
import type { HistoryOperation } from '../../history/history-operation';
import { isJsonObject, type JsonValue } from '../../history/json-value';
import { OperationDecodeError } from '../../history/operation-decode-error';
import type { RegisterInput, RegisterOutput, RegisterValue } from './register-model';

/**
 * Reads parsed register operations: `read` (ok output `{"value": v}`), `write` (input
 * `{"value": v}`) and `cas` (input `{"from": a, "to": b}`).
 */
export function decodeRegisterOperations(
  operations: readonly HistoryOperation[],
): Operation<RegisterInput, RegisterOutput>[] {
  return decodeOperations(operations, {
    input(operation) {
      const { key, f, args } = operation.input;
      switch (f) {
        case 'read':
          return { key, f };
        case 'write':
          return { key, f, value: registerValue(operation.id, args, 'value') };
        case 'cas':
          return {
            key,
            f,
            from: registerValue(operation.id, args, 'from'),
            to: registerValue(operation.id, args, 'to'),
          };
        default:
          throw new OperationDecodeError(
            operation.id,
            `unknown register function ${JSON.stringify(f)}`,
          );
      }
    },
    output(input, output, operation) {
      return input.f === 'read' ? { value: registerValue(operation.id, output, 'value') } : {};
    },
  });
}

function registerValue(
  operationId: number,
  container: JsonValue | undefined,
  field: string,
): RegisterValue {
  const value = isJsonObject(container) ? container[field] : undefined;
  if (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean'
  ) {
    return value;
  }
  throw new OperationDecodeError(
    operationId,
    `"${field}" must be a string, number, boolean or null; got ${JSON.stringify(value)}`,
  );
}
