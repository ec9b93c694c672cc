import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { EntryList } from './entry-list';

/** The list as readable tokens: `c0` is operation 0's call, `r0` its return. */
function walk(list: EntryList): string[] {
  const tokens: string[] = [];
  for (let entry = list.first(); entry !== EntryList.END; entry = list.after(entry)) {
    tokens.push(`${EntryList.isCall(entry) ? 'c' : 'r'}${EntryList.operationOf(entry)}`);
  }
  return tokens;
}

describe('EntryList', () => {
  it('orders entries by time, calls before returns at equal times', () => {
    const list = new EntryList([10, 0, 20], [30, 10, Infinity]);
    assert.deepEqual(walk(list), ['c1', 'c0', 'r1', 'c2', 'r0']);
  });

  it('lifts operations out and puts them back in reverse order', () => {
    const list = new EntryList([0, 5, 10], [20, 15, 30]);
    const original = walk(list);
    list.lift(1);
    assert.deepEqual(walk(list), ['c0', 'c2', 'r0', 'r2']);
    list.lift(0);
    assert.deepEqual(walk(list), ['c2', 'r2']);
    list.lift(2);
    assert.deepEqual(walk(list), []);
    list.unlift(2);
    list.unlift(0);
    list.unlift(1);
    assert.deepEqual(walk(list), original);
  });

  it('maps operations to entries and back', () => {
    assert.equal(EntryList.callEntryOf(7), 14);
    assert.equal(EntryList.operationOf(15), 7);
    assert.ok(EntryList.isCall(14));
    assert.ok(!EntryList.isCall(15));
  });
});
