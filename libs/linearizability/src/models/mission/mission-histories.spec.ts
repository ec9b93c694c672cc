import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { checkLinearizability } from '../../core/check-linearizability';
import type { CheckResult, Counterexample } from '../../core/check-result';
import { HistoryBuilder } from '../../testing/history-builder';
import { absent, command, create, mission, read } from '../../testing/mission-operations';
import { checkMissionHistory } from './check-mission-history';
import { missionModel, type MissionInput, type MissionView } from './mission-model';

const history = (): HistoryBuilder<MissionInput, MissionView> => new HistoryBuilder();
const check = (builder: HistoryBuilder<MissionInput, MissionView>) =>
  checkLinearizability(missionModel, builder.build());

/** Mission m-1 created and dispatched, both acknowledged by t=30. */
const dispatched = (): HistoryBuilder<MissionInput, MissionView> =>
  history()
    .ok(1, 0, 10, create(), mission('PENDING', 1))
    .ok(1, 20, 30, command('dispatch'), mission('RUNNING', 2));

function counterexampleOf(
  result: CheckResult<MissionInput, MissionView>,
): Counterexample<MissionInput, MissionView> {
  assert.equal(result.verdict, 'not-linearizable');
  assert.ok(result.counterexample, 'a not-linearizable verdict comes with a counterexample');
  return result.counterexample;
}

describe('mission histories that are linearizable', () => {
  it('a sequential lifecycle with reads', () => {
    const result = check(
      history()
        .ok(1, 0, 10, read(), absent)
        .ok(1, 20, 30, create(), mission('PENDING', 1))
        .ok(2, 40, 50, command('dispatch', 1), mission('RUNNING', 2))
        .ok(1, 60, 70, command('pause'), mission('PAUSED', 3))
        .ok(2, 80, 90, read(), mission('PAUSED', 3))
        .ok(3, 100, 110, command('resume', 3), mission('RUNNING', 4))
        .ok(1, 120, 130, create(), mission('RUNNING', 4))
        .ok(2, 140, 150, command('cancel'), mission('CANCELLED', 5))
        .ok(3, 160, 170, read(), mission('CANCELLED', 5)),
    );
    assert.equal(result.verdict, 'linearizable');
    assert.deepEqual(result.keys, [
      { key: 'm-1', operationCount: 9, verdict: 'linearizable', steps: 9 },
    ]);
  });

  it('reads overlapping a dispatch, seeing it or not, in either order', () => {
    for (const [first, second] of [
      [mission('PENDING', 1), mission('RUNNING', 2)],
      [mission('RUNNING', 2), mission('PENDING', 1)],
    ]) {
      const result = check(
        history()
          .ok(1, 0, 10, create(), mission('PENDING', 1))
          .ok(1, 20, 100, command('dispatch'), mission('RUNNING', 2))
          .ok(2, 30, 60, read(), first)
          .ok(3, 35, 55, read(), second)
          .ok(2, 110, 120, read(), mission('RUNNING', 2)),
      );
      assert.equal(result.verdict, 'linearizable');
    }
  });

  it('concurrent commands, ordered by their outputs rather than their calls', () => {
    const result = check(
      dispatched()
        .ok(2, 40, 90, command('cancel'), mission('CANCELLED', 4))
        .ok(3, 45, 80, command('pause', 2), mission('PAUSED', 3))
        .ok(4, 50, 85, create(), mission('PAUSED', 3)),
    );
    assert.equal(result.verdict, 'linearizable');
  });

  it('an info dispatch that took effect', () => {
    const result = check(
      history()
        .ok(1, 0, 10, create(), mission('PENDING', 1))
        .info(2, 20, command('dispatch'))
        .ok(3, 100, 110, read(), mission('RUNNING', 2)),
    );
    assert.equal(result.verdict, 'linearizable');
  });

  it('an info dispatch that never took effect', () => {
    const result = check(
      history()
        .ok(1, 0, 10, create(), mission('PENDING', 1))
        .info(2, 20, command('dispatch'))
        .ok(3, 100, 110, read(), mission('PENDING', 1))
        .ok(3, 120, 130, command('cancel'), mission('CANCELLED', 2)),
    );
    assert.equal(result.verdict, 'linearizable');
  });

  it('an info create retried by an ok one, and info commands refused by if_match', () => {
    const result = check(
      history()
        .info(1, 0, create())
        .ok(2, 50, 60, create(), mission('PENDING', 1))
        .info(3, 70, command('dispatch', 7))
        .info(4, 75, command('cancel', 9))
        .ok(2, 80, 90, read(), mission('PENDING', 1)),
    );
    assert.equal(result.verdict, 'linearizable');
  });

  it('two hundred missions side by side', () => {
    const builder = history();
    for (let i = 0; i < 200; i++) {
      const key = `m-${i}`;
      const t = i * 7;
      builder
        .ok(i % 10, t, t + 50, create(key), mission('PENDING', 1))
        .ok((i + 3) % 10, t + 60, t + 100, command('dispatch', 1, key), mission('RUNNING', 2))
        .ok((i + 5) % 10, t + 70, t + 90, read(key), mission('PENDING', 1))
        .ok((i + 7) % 10, t + 110, t + 120, read(key), mission('RUNNING', 2));
    }
    const result = check(builder);
    assert.equal(result.verdict, 'linearizable');
    assert.equal(result.keys.length, 200);
    assert.ok(result.keys.every((key) => key.operationCount === 4));
  });

  it('the same through the JSON-lines history format', () => {
    const result = checkMissionHistory([
      '{"type":"invoke","process":1,"op":1,"key":"m-1","f":"create","input":{"uav":"u-1"},"time":100}',
      '{"type":"invoke","process":2,"op":2,"key":"m-1","f":"read","time":105}',
      '{"type":"ok","process":1,"op":1,"output":{"mission_id":"m-1","state":"PENDING","version":1},"time":110}',
      '{"type":"ok","process":2,"op":2,"output":{"found":false},"time":112}',
      '{"type":"invoke","process":1,"op":3,"key":"m-1","f":"dispatch","input":{"if_match":1},"time":120}',
      '{"type":"invoke","process":2,"op":4,"key":"m-1","f":"dispatch","input":{},"time":121}',
      '{"type":"fail","process":2,"op":4,"time":125}',
      '{"type":"info","process":1,"op":3,"time":200}',
      '{"type":"invoke","process":2,"op":5,"key":"m-1","f":"read","time":210}',
      '{"type":"ok","process":2,"op":5,"output":{"found":true,"state":"RUNNING","version":2},"time":220}',
    ]);
    assert.equal(result.verdict, 'linearizable');
  });
});

describe('mission histories that are not linearizable', () => {
  it('a stale read: it starts after the dispatch was acknowledged but sees PENDING', () => {
    const counterexample = counterexampleOf(
      check(dispatched().ok(2, 40, 50, read(), mission('PENDING', 1))),
    );
    assert.equal(counterexample.key, 'm-1');
    assert.equal(counterexample.blockedOperation.id, 3);
    assert.deepEqual(
      counterexample.longestLinearizablePrefix.map((step) => step.stateAfter),
      ['PENDING v1', 'RUNNING v2'],
    );
    assert.equal(counterexample.stateAfterPrefix, 'RUNNING v2');
    assert.equal(
      counterexample.text,
      [
        'Key "m-1" is not linearizable (3 operations).',
        'Longest linearizable prefix: 2 operations, from absent:',
        '  1. op 1 (process 1): create m-1 -> PENDING v1 [call 0, return 10]  => PENDING v1',
        '  2. op 2 (process 1): dispatch m-1 -> RUNNING v2 [call 20, return 30]  => RUNNING v2',
        'After it the state is RUNNING v2. Then op 3 (process 2): read m-1 -> PENDING v1 [call 40, return 50]',
        'had to take effect before it returned, but none of the operations that may come next can take effect from RUNNING v2:',
        '  op 3 (process 2): read m-1 -> PENDING v1 [call 40, return 50]',
      ].join('\n'),
    );
  });

  it('a lost write: an acknowledged dispatch vanishes, and a second dispatch succeeds', () => {
    const counterexample = counterexampleOf(
      check(
        dispatched()
          .ok(2, 40, 50, read(), mission('PENDING', 1))
          .ok(3, 60, 70, command('dispatch'), mission('RUNNING', 2)),
      ),
    );
    assert.match(counterexample.text, /read m-1 -> PENDING v1/);
  });

  it('a lost write seen only by later reads', () => {
    const counterexample = counterexampleOf(
      check(
        dispatched()
          .ok(2, 35, 45, read(), mission('RUNNING', 2))
          .ok(3, 50, 60, read(), mission('PENDING', 1)),
      ),
    );
    assert.equal(counterexample.blockedOperation.id, 4);
  });

  it('a write applied twice: one acknowledged pause, then a read two versions on', () => {
    const counterexample = counterexampleOf(
      check(
        dispatched()
          .ok(2, 40, 50, command('pause'), mission('PAUSED', 3))
          .ok(3, 60, 70, read(), mission('PAUSED', 4)),
      ),
    );
    assert.equal(counterexample.stateAfterPrefix, 'PAUSED v3');
    assert.match(counterexample.text, /read m-1 -> PAUSED v4/);
  });

  it('a read of a state no operation produced', () => {
    const result = check(dispatched().ok(2, 25, 40, read(), mission('SUCCEEDED', 3)));
    assert.equal(counterexampleOf(result).blockedOperation.id, 3);
  });

  it('a read of a version no operation produced', () => {
    const result = check(dispatched().ok(2, 25, 40, read(), mission('RUNNING', 7)));
    assert.equal(counterexampleOf(result).blockedOperation.id, 3);
  });

  it('a conditional command that succeeded with a wrong if_match', () => {
    const counterexample = counterexampleOf(
      check(dispatched().ok(2, 25, 60, command('pause', 1), mission('PAUSED', 3))),
    );
    assert.match(counterexample.text, /pause m-1 if_match=1 -> PAUSED v3/);
  });

  it('a create that answers a fresh mission over an existing one', () => {
    const result = check(dispatched().ok(2, 40, 50, create(), mission('PENDING', 1)));
    assert.equal(result.verdict, 'not-linearizable');
  });

  it('a version that info operations cannot explain', () => {
    const result = check(
      history()
        .ok(1, 0, 10, create(), mission('PENDING', 1))
        .info(2, 20, command('dispatch'))
        .info(3, 25, command('dispatch'))
        .ok(1, 100, 110, read(), mission('RUNNING', 3)),
    );
    assert.equal(result.verdict, 'not-linearizable');
  });

  it('only the broken mission among many', () => {
    const builder = history();
    for (let i = 0; i < 100; i++) {
      const key = `m-${i}`;
      builder
        .ok(1, i * 100, i * 100 + 10, create(key), mission('PENDING', 1))
        .ok(
          2,
          i * 100 + 20,
          i * 100 + 30,
          command('dispatch', undefined, key),
          mission('RUNNING', 2),
        )
        .ok(
          3,
          i * 100 + 40,
          i * 100 + 50,
          read(key),
          mission(i === 63 ? 'PENDING' : 'RUNNING', i === 63 ? 1 : 2),
        );
    }
    const result = check(builder);
    assert.equal(result.verdict, 'not-linearizable');
    assert.deepEqual(
      result.keys.filter((key) => key.verdict !== 'linearizable').map((key) => key.key),
      ['m-63'],
    );
    assert.equal(result.counterexample?.key, 'm-63');
  });

  it('the stale read through the JSON-lines history format', () => {
    const result = checkMissionHistory(
      [
        '{"type":"invoke","process":1,"op":1,"key":"m-1","f":"create","input":{},"time":0}',
        '{"type":"ok","process":1,"op":1,"output":{"state":"PENDING","version":1},"time":10}',
        '{"type":"invoke","process":1,"op":2,"key":"m-1","f":"dispatch","input":{},"time":20}',
        '{"type":"ok","process":1,"op":2,"output":{"state":"RUNNING","version":2},"time":30}',
        '{"type":"invoke","process":2,"op":3,"key":"m-1","f":"read","time":40}',
        '{"type":"ok","process":2,"op":3,"output":{"found":true,"state":"PENDING","version":1},"time":50}',
      ].join('\n'),
    );
    assert.equal(counterexampleOf(result).blockedOperation.id, 3);
  });
});
