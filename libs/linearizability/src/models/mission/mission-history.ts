import type { Operation } from '../../core/operation';
import { decodeOperations } from '../../history/decode-operations';
import type { HistoryOperation } from '../../history/history-operation';
import { isJsonObject, type JsonValue } from '../../history/json-value';
import { OperationDecodeError } from '../../history/operation-decode-error';
import { isMissionLifecycleState, isMissionTransition } from './mission-lifecycle';
import type { MissionInput, MissionView } from './mission-model';

/**
 * Reads parsed mission operations for `missionModel`.
 *
 * Functions: `create`, `read`, and the transitions `dispatch`, `pause`, `resume`, `cancel`, whose
 * input may carry `{"if_match": version}`. Outputs of `ok` operations: `{"state", "version"}` for
 * create and the transitions; `{"found": false}` or `{"found": true, "state", "version"}` for read.
 * Other output fields are ignored.
 */
export function decodeMissionOperations(
  operations: readonly HistoryOperation[],
): Operation<MissionInput, MissionView>[] {
  return decodeOperations(operations, {
    input(operation) {
      const { key, f, args } = operation.input;
      if (f === 'create' || f === 'read') return { key, f };
      if (!isMissionTransition(f)) {
        throw new OperationDecodeError(
          operation.id,
          `unknown mission function ${JSON.stringify(f)}`,
        );
      }
      const ifMatch = isJsonObject(args) ? args.if_match : undefined;
      if (ifMatch === undefined || ifMatch === null) return { key, f };
      if (typeof ifMatch !== 'number' || !Number.isSafeInteger(ifMatch)) {
        throw new OperationDecodeError(
          operation.id,
          `"if_match" must be an integer version; got ${JSON.stringify(ifMatch)}`,
        );
      }
      return { key, f, ifMatch };
    },
    output(input, output, operation) {
      if (input.f === 'read' && isJsonObject(output) && output.found === false) {
        return { found: false };
      }
      return foundMission(operation.id, output);
    },
  });
}

function foundMission(operationId: number, output: JsonValue | undefined): MissionView {
  if (!isJsonObject(output)) {
    throw new OperationDecodeError(
      operationId,
      `output must be an object; got ${output === undefined ? 'none' : JSON.stringify(output)}`,
    );
  }
  const { state, version } = output;
  if (!isMissionLifecycleState(state)) {
    throw new OperationDecodeError(
      operationId,
      `output "state" must be a mission state; got ${JSON.stringify(state)}`,
    );
  }
  if (typeof version !== 'number' || !Number.isSafeInteger(version)) {
    throw new OperationDecodeError(
      operationId,
      `output "version" must be an integer; got ${JSON.stringify(version)}`,
    );
  }
  return { found: true, state, version };
}
