import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { absent, command, create, mission, read } from '../../testing/mission-operations';
import {
  MISSION_LIFECYCLE,
  MISSION_LIFECYCLE_STATES,
  MISSION_TRANSITIONS,
} from './mission-lifecycle';
import { missionModel } from './mission-model';

describe('missionModel', () => {
  it('starts absent and creates PENDING version 1', () => {
    const start = missionModel.init();
    assert.deepEqual(start, absent);
    assert.deepEqual(
      missionModel.step(start, create(), mission('PENDING', 1)),
      mission('PENDING', 1),
    );
    assert.equal(missionModel.step(start, create(), mission('PENDING', 2)), undefined);
    assert.equal(missionModel.step(start, create(), mission('RUNNING', 1)), undefined);
  });

  it('answers a repeated create with the mission unchanged', () => {
    const running = mission('RUNNING', 2);
    assert.deepEqual(missionModel.step(running, create(), mission('RUNNING', 2)), running);
    assert.equal(missionModel.step(running, create(), mission('PENDING', 1)), undefined);
  });

  it('reads must see the current mission', () => {
    assert.deepEqual(missionModel.step(absent, read(), absent), absent);
    assert.equal(missionModel.step(absent, read(), mission('PENDING', 1)), undefined);
    const paused = mission('PAUSED', 3);
    assert.deepEqual(missionModel.step(paused, read(), mission('PAUSED', 3)), paused);
    assert.equal(missionModel.step(paused, read(), mission('PAUSED', 2)), undefined);
    assert.equal(missionModel.step(paused, read(), absent), undefined);
  });

  it('allows exactly the transitions of the lifecycle table, each bumping the version', () => {
    for (const transition of MISSION_TRANSITIONS) {
      for (const state of MISSION_LIFECYCLE_STATES) {
        const before = mission(state, 4);
        const next = missionModel.step(before, command(transition), undefined);
        const rule = MISSION_LIFECYCLE[transition];
        if (rule.from.includes(state)) {
          assert.deepEqual(next, mission(rule.to, 5), `${transition} from ${state}`);
        } else {
          assert.equal(next, undefined, `${transition} from ${state}`);
        }
      }
    }
  });

  it('refuses transitions of a mission that does not exist', () => {
    for (const transition of MISSION_TRANSITIONS) {
      assert.equal(missionModel.step(absent, command(transition), undefined), undefined);
    }
  });

  it('applies a transition only when if_match is the current version', () => {
    const pending = mission('PENDING', 1);
    assert.deepEqual(
      missionModel.step(pending, command('dispatch', 1), undefined),
      mission('RUNNING', 2),
    );
    assert.equal(missionModel.step(pending, command('dispatch', 2), undefined), undefined);
  });

  it('checks an ok transition output against the resulting mission', () => {
    const running = mission('RUNNING', 2);
    assert.deepEqual(
      missionModel.step(running, command('pause'), mission('PAUSED', 3)),
      mission('PAUSED', 3),
    );
    assert.equal(missionModel.step(running, command('pause'), mission('PAUSED', 4)), undefined);
    assert.equal(missionModel.step(running, command('pause'), mission('CANCELLED', 3)), undefined);
  });

  it('keys by mission id and tells states apart', () => {
    assert.equal(missionModel.key(command('cancel', undefined, 'm-9')), 'm-9');
    const keys = new Set([
      missionModel.stateKey(absent),
      missionModel.stateKey(mission('PENDING', 1)),
      missionModel.stateKey(mission('PENDING', 2)),
      missionModel.stateKey(mission('RUNNING', 1)),
    ]);
    assert.equal(keys.size, 4);
  });

  it('describes operations and states readably', () => {
    assert.equal(
      missionModel.describeOperation?.(command('dispatch', 2), mission('RUNNING', 3)),
      'dispatch m-1 if_match=2 -> RUNNING v3',
    );
    assert.equal(missionModel.describeOperation?.(command('cancel'), undefined), 'cancel m-1 -> ?');
    assert.equal(missionModel.describeOperation?.(read(), absent), 'read m-1 -> absent');
    assert.equal(missionModel.describeState?.(mission('PAUSED', 7)), 'PAUSED v7');
  });
});
