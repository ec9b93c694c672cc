import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoundedWork } from './bounded-work';

/** A task the test finishes when it wants, recording that it ran. */
function gated(ran: string[], name: string): { task: () => Promise<void>; finish: () => void } {
  let finish = (): void => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    task: async () => {
      ran.push(name);
      await done;
    },
    finish: () => finish(),
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('BoundedWork', () => {
  it('runs at most `limit` tasks at once and sheds the rest', async () => {
    const work = new BoundedWork(2);
    const ran: string[] = [];
    const a = gated(ran, 'a');
    const b = gated(ran, 'b');
    assert.equal(work.start(a.task), 'started');
    assert.equal(work.start(b.task), 'started');
    assert.equal(work.start(gated(ran, 'c').task), 'shed');
    assert.equal(work.inFlight, 2);
    a.finish();
    await settle();
    assert.equal(work.start(gated(ran, 'd').task), 'started');
    assert.deepEqual(ran, ['a', 'b', 'd']);
    b.finish();
  });

  it('one task per key at a time; only the newest waiting one runs after it', async () => {
    const work = new BoundedWork(10);
    const ran: string[] = [];
    const first = gated(ran, 'seq 1');
    const fourth = gated(ran, 'seq 4');
    assert.equal(work.startLatest('uav/m', 1, first.task), 'started');
    assert.equal(work.startLatest('uav/m', 2, gated(ran, 'seq 2').task), 'queued');
    assert.equal(work.startLatest('uav/m', 4, fourth.task), 'replaced');
    assert.equal(work.startLatest('uav/m', 3, gated(ran, 'seq 3').task), 'replaced');
    assert.equal(work.startLatest('uav/other', 1, gated(ran, 'other').task), 'started');
    first.finish();
    await settle();
    assert.deepEqual(ran, ['seq 1', 'other', 'seq 4']);
    fourth.finish();
    await settle();
    assert.equal(work.startLatest('uav/m', 5, gated(ran, 'seq 5').task), 'started');
  });

  it('a keyed task is shed like any other when the bound is reached', () => {
    const work = new BoundedWork(1);
    const ran: string[] = [];
    assert.equal(work.start(gated(ran, 'a').task), 'started');
    assert.equal(work.startLatest('uav/m', 1, gated(ran, 'b').task), 'shed');
    assert.equal(work.startLatest('uav/m', 2, gated(ran, 'c').task), 'shed');
  });
});
