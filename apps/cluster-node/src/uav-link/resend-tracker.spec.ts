import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMMAND_MAX_TRIES } from './backoff';
import { DueAction, OutboxHead, ResendTracker } from './resend-tracker';

const head = (uav_id: string, command_id: string): OutboxHead => ({ uav_id, command_id });

function kinds(actions: readonly DueAction<OutboxHead>[]): string[] {
  return actions.map((a) =>
    a.kind === 'send'
      ? `send ${a.head.command_id} #${a.attempt}`
      : `flag ${a.head.command_id} after ${a.tries}`,
  );
}

describe('ResendTracker', () => {
  it('sends a new head at once, then again after 2 s, 4 s, … until acknowledged', () => {
    const tracker = new ResendTracker();
    const heads = [head('u1', '5-1')];
    assert.deepEqual(kinds(tracker.due(heads, 0, true)), ['send 5-1 #1']);
    assert.deepEqual(kinds(tracker.due(heads, 1_999, true)), []);
    assert.deepEqual(kinds(tracker.due(heads, 2_000, true)), ['send 5-1 #2']);
    assert.deepEqual(kinds(tracker.due(heads, 5_999, true)), []);
    assert.deepEqual(kinds(tracker.due(heads, 6_000, true)), ['send 5-1 #3']);
    // Acknowledged: the UAV's next command becomes its head and goes out at once.
    assert.deepEqual(kinds(tracker.due([head('u1', '9-1')], 6_100, true)), ['send 9-1 #1']);
  });

  it('read a page at a time, forgets only the UAVs of the page that have no head any more', () => {
    const tracker = new ResendTracker();
    tracker.due([head('a', '1-1'), head('b', '1-2')], 0, true);
    // The next page covers c..z: a and b keep their schedule (not sent again at once).
    const coversRest = (uavId: string): boolean => uavId > 'b';
    assert.deepEqual(kinds(tracker.due([head('c', '1-3')], 100, true, coversRest)), [
      'send 1-3 #1',
    ]);
    assert.equal(tracker.size, 3);
    const coversFirst = (uavId: string): boolean => uavId <= 'b';
    assert.deepEqual(
      kinds(tracker.due([head('a', '1-1'), head('b', '1-2')], 200, true, coversFirst)),
      [],
    );
    // A page that covers a..b and has only b's head: a's command was acknowledged.
    tracker.due([head('b', '1-2')], 300, true, coversFirst);
    assert.equal(tracker.size, 2);
  });

  it('flags a command after its 10th send and one more wait, once', () => {
    const tracker = new ResendTracker();
    const heads = [head('u1', '5-1')];
    const sends: number[] = [];
    let now = 0;
    let flagged: DueAction<OutboxHead> | undefined;
    while (!flagged && now < 3_600_000) {
      for (const action of tracker.due(heads, now, true)) {
        if (action.kind === 'send') sends.push(now);
        else flagged = action;
      }
      now += 100;
    }
    assert.equal(sends.length, COMMAND_MAX_TRIES);
    assert.deepEqual(sends.slice(0, 4), [0, 2_000, 6_000, 14_000]);
    assert.deepEqual(flagged && kinds([flagged]), [`flag 5-1 after ${COMMAND_MAX_TRIES}`]);
    assert.deepEqual(tracker.due(heads, now + 1_000_000, true), [], 'flagged once while it runs');
    tracker.flagEnded('u1');
    assert.deepEqual(kinds(tracker.due(heads, now + 1_000_000, true)), [`flag 5-1 after 10`]);
  });

  it('counts no try while the broker is unreachable', () => {
    const tracker = new ResendTracker();
    const heads = [head('u1', '5-1')];
    assert.deepEqual(tracker.due(heads, 0, false), []);
    assert.deepEqual(tracker.due(heads, 10_000, false), []);
    assert.deepEqual(kinds(tracker.due(heads, 10_001, true)), ['send 5-1 #1']);
  });

  it('keeps one schedule per UAV and forgets UAVs with nothing pending', () => {
    const tracker = new ResendTracker();
    assert.deepEqual(kinds(tracker.due([head('a', '1-1'), head('b', '1-2')], 0, true)), [
      'send 1-1 #1',
      'send 1-2 #1',
    ]);
    assert.equal(tracker.size, 2);
    assert.deepEqual(kinds(tracker.due([head('b', '1-2')], 2_000, true)), ['send 1-2 #2']);
    assert.equal(tracker.size, 1);
  });

  it('a cleared tracker (a new leader) sends every head again at once', () => {
    const tracker = new ResendTracker();
    const heads = [head('a', '1-1')];
    tracker.due(heads, 0, true);
    tracker.clear();
    assert.deepEqual(kinds(tracker.due(heads, 1, true)), ['send 1-1 #1']);
  });
});
