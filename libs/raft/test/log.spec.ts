import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EMPTY_CONF_STATE, Entry, MemoryStorage, RaftInvariantError } from '@falconmind/raft';
import { RaftLog } from '../src/log';
import { UnstableLog } from '../src/log-unstable';

function entry(index: number, term: number): Entry {
  return { index, term, type: 'normal', data: new Uint8Array(0) };
}

/**
 * A RaftLog whose storage holds entries 1..terms.length with the given terms, compacted up to
 * `compactTo` behind a snapshot taken there (the entries record no membership).
 */
function logWith(terms: readonly number[], compactTo = 0): RaftLog {
  const storage = new MemoryStorage();
  storage.append(terms.map((term, i) => entry(i + 1, term)));
  if (compactTo > 0) {
    storage.createSnapshot(compactTo, EMPTY_CONF_STATE, new Uint8Array(0));
    storage.compact(compactTo);
  }
  return new RaftLog(storage);
}

describe('RaftLog', () => {
  // Terms by index:  1  2  3  4  5
  const terms = [1, 1, 3, 3, 5];
  const conflictCases = [
    { index: 5, term: 5, expected: { index: 5, term: 5 } },
    { index: 5, term: 9, expected: { index: 5, term: 5 } },
    { index: 5, term: 4, expected: { index: 4, term: 3 } },
    { index: 5, term: 2, expected: { index: 2, term: 1 } },
    { index: 3, term: 3, expected: { index: 3, term: 3 } },
    { index: 4, term: 1, expected: { index: 2, term: 1 } },
    { index: 5, term: 0, expected: { index: 0, term: 0 } },
    { index: 0, term: 0, expected: { index: 0, term: 0 } },
  ];
  for (const c of conflictCases) {
    it(`findConflictByTerm(${c.index}, ${c.term}) on terms [${terms.join(',')}] is (${c.expected.index}, ${c.expected.term})`, () => {
      assert.deepEqual(logWith(terms).findConflictByTerm(c.index, c.term), c.expected);
    });
  }

  const compactedCases = [
    { index: 5, term: 2, expected: { index: 2, term: 1 } },
    { index: 5, term: 0, expected: { index: 1, term: 0 } },
  ];
  for (const c of compactedCases) {
    it(`findConflictByTerm(${c.index}, ${c.term}) stops at the compaction point with term 0 when it cannot tell`, () => {
      assert.deepEqual(logWith(terms, 2).findConflictByTerm(c.index, c.term), c.expected);
    });
  }

  const upToDateCases = [
    { lastIndex: 5, lastTerm: 5, expected: true },
    { lastIndex: 9, lastTerm: 5, expected: true },
    { lastIndex: 4, lastTerm: 5, expected: false },
    { lastIndex: 1, lastTerm: 6, expected: true },
    { lastIndex: 9, lastTerm: 4, expected: false },
  ];
  for (const c of upToDateCases) {
    it(`isUpToDate(${c.lastIndex}, ${c.lastTerm}) against a log ending at (5, 5) is ${c.expected}`, () => {
      assert.equal(logWith(terms).isUpToDate(c.lastIndex, c.lastTerm), c.expected);
    });
  }

  it('maybeAppend refuses an append that does not match (index, logTerm)', () => {
    const log = logWith(terms);
    assert.equal(log.maybeAppend(4, 2, 0, [entry(5, 6)]), undefined);
    assert.equal(log.maybeAppend(6, 5, 0, [entry(7, 6)]), undefined);
  });

  it('maybeAppend truncates a conflicting suffix and moves commit no further than the new entries', () => {
    const log = logWith(terms);
    const result = log.maybeAppend(3, 3, 10, [entry(4, 6)]);
    assert.deepEqual(result?.lastNewIndex, 4);
    assert.equal(log.lastIndex(), 4);
    assert.equal(log.term(4), 6);
    assert.equal(log.committed, 4);
  });

  it('maybeAppend never overwrites a committed entry', () => {
    const log = logWith(terms);
    log.commitTo(4);
    assert.throws(() => log.maybeAppend(3, 3, 4, [entry(4, 6)]), RaftInvariantError);
  });

  it('a leader commits by counting replicas only an entry of its own term (§5.4.2)', () => {
    const log = logWith(terms);
    assert.equal(log.maybeCommit(4, 5, false), false);
    assert.equal(log.committed, 0);
    assert.equal(log.maybeCommit(5, 5, false), true);
    assert.equal(log.committed, 5);
  });

  it('committed entries are handed out only once persisted', () => {
    const log = logWith([1, 1]);
    log.append([entry(3, 2), entry(4, 2)]);
    log.commitTo(4);
    assert.deepEqual(
      log.nextCommittedEntries(Number.POSITIVE_INFINITY).map((e) => e.index),
      [1, 2],
    );
    log.unstable.stableTo(4, 2);
    (log.storage as MemoryStorage).append([entry(3, 2), entry(4, 2)]);
    assert.deepEqual(
      log.nextCommittedEntries(Number.POSITIVE_INFINITY).map((e) => e.index),
      [1, 2, 3, 4],
    );
  });
});

describe('UnstableLog', () => {
  /** Offset 5 holding entries 5 and 6 of term 1. */
  function unstable(): UnstableLog {
    const u = new UnstableLog(5);
    u.truncateAndAppend([entry(5, 1), entry(6, 1)]);
    return u;
  }

  const stableCases = [
    { name: 'drops what was persisted', index: 6, term: 1, offset: 7, left: 0 },
    { name: 'drops a prefix', index: 5, term: 1, offset: 6, left: 1 },
    { name: 'ignores a term that does not match', index: 6, term: 2, offset: 5, left: 2 },
    { name: 'ignores an index before the offset', index: 4, term: 1, offset: 5, left: 2 },
    { name: 'ignores an index past the end', index: 9, term: 1, offset: 5, left: 2 },
  ];
  for (const c of stableCases) {
    it(`stableTo(${c.index}, ${c.term}) ${c.name}`, () => {
      const u = unstable();
      u.stableTo(c.index, c.term);
      assert.equal(u.offset, c.offset);
      assert.equal(u.entries.length, c.left);
    });
  }

  it('stableTo ignores entries that were replaced after the Ready was taken', () => {
    const u = unstable();
    // The Ready held 5@1 and 6@1; meanwhile a new leader replaced 6.
    u.truncateAndAppend([entry(6, 2)]);
    u.stableTo(6, 1);
    assert.deepEqual(
      u.entries.map((e) => [e.index, e.term]),
      [
        [5, 1],
        [6, 2],
      ],
    );
    u.stableTo(6, 2);
    assert.equal(u.entries.length, 0);
    assert.equal(u.offset, 7);
  });

  const truncateCases = [
    {
      name: 'appends after the last entry',
      append: [entry(7, 1)],
      offset: 5,
      log: [
        [5, 1],
        [6, 1],
        [7, 1],
      ],
    },
    {
      name: 'truncates inside the buffer',
      append: [entry(6, 3)],
      offset: 5,
      log: [
        [5, 1],
        [6, 3],
      ],
    },
    {
      name: 'replaces everything from before the offset',
      append: [entry(4, 3)],
      offset: 4,
      log: [[4, 3]],
    },
  ];
  for (const c of truncateCases) {
    it(`truncateAndAppend ${c.name}`, () => {
      const u = unstable();
      u.truncateAndAppend(c.append);
      assert.equal(u.offset, c.offset);
      assert.deepEqual(
        u.entries.map((e) => [e.index, e.term]),
        c.log,
      );
    });
  }
});
