import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { HistoryOperation } from '../../history/history-operation';
import type { JsonValue } from '../../history/json-value';
import { OperationDecodeError } from '../../history/operation-decode-error';
import { decodeMissionOperations } from './mission-history';

function recorded(f: string, args?: JsonValue, output?: JsonValue): HistoryOperation {
  const base = { id: 7, process: 1, call: 1, return: 2, status: 'ok' as const };
  const input = args === undefined ? { key: 'm-1', f } : { key: 'm-1', f, args };
  return output === undefined ? { ...base, input } : { ...base, input, output };
}

describe('decodeMissionOperations', () => {
  it('reads functions, if_match and outputs', () => {
    const [dispatch, read, missing, create] = decodeMissionOperations([
      recorded('dispatch', { if_match: 3 }, { state: 'RUNNING', version: 4, uav_ids: ['u-1'] }),
      recorded('read', undefined, { found: true, state: 'PAUSED', version: 2 }),
      recorded('read', undefined, { found: false }),
      recorded('create', { name: 'survey' }, { state: 'PENDING', version: 1 }),
    ]);
    assert.deepEqual(dispatch.input, { key: 'm-1', f: 'dispatch', ifMatch: 3 });
    assert.deepEqual(dispatch.output, { found: true, state: 'RUNNING', version: 4 });
    assert.deepEqual(read.output, { found: true, state: 'PAUSED', version: 2 });
    assert.deepEqual(missing.output, { found: false });
    assert.deepEqual(create.input, { key: 'm-1', f: 'create' });
    assert.deepEqual(create.output, { found: true, state: 'PENDING', version: 1 });
  });

  it('treats a null or missing if_match as unconditional', () => {
    const [withNull, without] = decodeMissionOperations([
      recorded('cancel', { if_match: null }, { state: 'CANCELLED', version: 2 }),
      recorded('cancel', undefined, { state: 'CANCELLED', version: 2 }),
    ]);
    assert.deepEqual(withNull.input, { key: 'm-1', f: 'cancel' });
    assert.deepEqual(without.input, { key: 'm-1', f: 'cancel' });
  });

  it('ignores the output of info operations', () => {
    const [info] = decodeMissionOperations([
      { ...recorded('pause'), status: 'info', return: Infinity, output: { error: 'timeout' } },
    ]);
    assert.equal(info.output, undefined);
  });

  const rejected: [string, HistoryOperation, RegExp][] = [
    ['an unknown function', recorded('launch'), /op 7: unknown mission function "launch"/],
    [
      'a non-integer if_match',
      recorded('pause', { if_match: '3' }),
      /"if_match" must be an integer version; got "3"/,
    ],
    [
      'an unknown state',
      recorded('read', undefined, { found: true, state: 'LOST', version: 1 }),
      /output "state" must be a mission state; got "LOST"/,
    ],
    [
      'a missing version',
      recorded('dispatch', undefined, { state: 'RUNNING' }),
      /output "version" must be an integer/,
    ],
    [
      'an output that is not an object',
      recorded('create', undefined, 'ok'),
      /output must be an object; got "ok"/,
    ],
  ];
  for (const [what, operation, message] of rejected) {
    it(`rejects ${what}, naming the operation`, () => {
      assert.throws(
        () => decodeMissionOperations([operation]),
        (error: unknown) =>
          error instanceof OperationDecodeError &&
          error.operationId === 7 &&
          message.test(error.message),
      );
    });
  }
});
