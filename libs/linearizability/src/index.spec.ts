import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as linearizability from '@falconmind/linearizability';

describe('@falconmind/linearizability', () => {
  it('exports the checker, the history parser and both models', () => {
    for (const name of [
      'checkLinearizability',
      'parseHistory',
      'decodeOperations',
      'decodeMissionOperations',
      'decodeRegisterOperations',
      'checkMissionHistory',
      'HistoryParseError',
      'OperationDecodeError',
    ] as const) {
      assert.equal(typeof linearizability[name], 'function', name);
    }
    assert.equal(typeof linearizability.missionModel.step, 'function');
    assert.equal(typeof linearizability.registerModel.step, 'function');
    assert.deepEqual(linearizability.MISSION_LIFECYCLE.cancel.from, [
      'PENDING',
      'RUNNING',
      'PAUSED',
    ]);
    assert.equal(linearizability.DEFAULT_MAX_STEPS_PER_KEY, 1_000_000);
  });

  it('checks a mission history end to end', () => {
    const result = linearizability.checkMissionHistory(
      [
        '{"type":"invoke","process":0,"op":1,"key":"m-1","f":"create","input":{},"time":1}',
        '{"type":"ok","process":0,"op":1,"output":{"state":"PENDING","version":1},"time":2}',
      ].join('\n'),
    );
    assert.equal(result.verdict, 'linearizable');
    assert.deepEqual(result.keys, [
      { key: 'm-1', operationCount: 1, verdict: 'linearizable', steps: 1 },
    ]);
  });
});
