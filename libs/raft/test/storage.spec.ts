import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompactedError,
  decodeConfChange,
  Entry,
  MemoryStorage,
  RaftInvariantError,
  UnavailableError,
} from '@falconmind/raft';
import { bytes, storedLog } from './harness';

const CONF = { voters: ['a', 'b', 'c'], learners: ['d'] };

function entry(index: number, term: number, size = 0): Entry {
  return { index, term, type: 'normal', data: new Uint8Array(size) };
}

/** A storage holding entries 1..terms.length with the given terms. */
function storageWith(terms: readonly number[], size = 0): MemoryStorage {
  const storage = new MemoryStorage();
  storage.append(terms.map((term, i) => entry(i + 1, term, size)));
  return storage;
}

/** What a host does to drop a prefix: snapshot its state machine at `index`, then compact behind it. */
function snapshotAndCompact(storage: MemoryStorage, index: number): void {
  storage.createSnapshot(index, CONF, bytes(`image@${index}`));
  storage.compact(index);
}

describe('MemoryStorage', () => {
  it('bootstrap writes one committed conf-change entry per founding member, in term 1', () => {
    const storage = MemoryStorage.bootstrap(CONF);
    const entries = storage.entries(1, storage.lastIndex() + 1, Number.POSITIVE_INFINITY);
    assert.deepEqual(
      entries.map((e) => [
        e.index,
        e.term,
        e.type,
        decodeConfChange(e.data).type,
        decodeConfChange(e.data).nodeId,
      ]),
      [
        [1, 1, 'conf-change', 'add-voter', 'a'],
        [2, 1, 'conf-change', 'add-voter', 'b'],
        [3, 1, 'conf-change', 'add-voter', 'c'],
        [4, 1, 'conf-change', 'add-learner', 'd'],
      ],
    );
    assert.deepEqual(storage.initialState().hardState, { term: 1, vote: '', commit: 4 });
  });

  const appendCases: Array<{ name: string; append: Entry[]; log: Array<[number, number]> }> = [
    {
      name: 'extends the log',
      append: [entry(4, 2)],
      log: [
        [1, 1],
        [2, 1],
        [3, 1],
        [4, 2],
      ],
    },
    {
      name: 'replaces a conflicting suffix',
      append: [entry(2, 2)],
      log: [
        [1, 1],
        [2, 2],
      ],
    },
    {
      name: 'rewrites from the first new entry',
      append: [entry(3, 3), entry(4, 3)],
      log: [
        [1, 1],
        [2, 1],
        [3, 3],
        [4, 3],
      ],
    },
  ];
  for (const c of appendCases) {
    it(`append ${c.name}`, () => {
      const storage = storageWith([1, 1, 1]);
      storage.append(c.append);
      assert.deepEqual(storedLog(storage), c.log);
    });
  }

  it('append skips entries that are already compacted', () => {
    const storage = storageWith([1, 1, 1, 1]);
    snapshotAndCompact(storage, 3);
    storage.append([entry(2, 1), entry(3, 1), entry(4, 2), entry(5, 2)]);
    assert.deepEqual(storedLog(storage), [
      [4, 2],
      [5, 2],
    ]);
    assert.equal(storage.firstIndex(), 4);
  });

  it('append, one entry at a time, then a conflicting suffix, keeps what entries() returned earlier', () => {
    const storage = new MemoryStorage();
    for (let index = 1; index <= 1000; index++) storage.append([entry(index, 1)]);
    const before = storage.entries(990, 1001, Number.POSITIVE_INFINITY);
    storage.append([entry(995, 2), entry(996, 2)]);
    assert.equal(storage.lastIndex(), 996);
    assert.equal(storage.term(995), 2);
    assert.equal(storage.term(994), 1);
    assert.throws(() => storage.term(997), UnavailableError);
    // The array handed out earlier is the log as it was, not a view of the log being rewritten.
    assert.deepEqual(
      before.map((e) => [e.index, e.term]),
      Array.from({ length: 11 }, (_, i) => [990 + i, 1]),
    );
    storage.append([entry(997, 2)]);
    assert.deepEqual(storedLog(storage).slice(-4), [
      [994, 1],
      [995, 2],
      [996, 2],
      [997, 2],
    ]);
  });

  it('append refuses to leave a gap', () => {
    const storage = storageWith([1, 1]);
    assert.throws(() => storage.append([entry(5, 1)]), RaftInvariantError);
  });

  const limitCases = [
    { maxBytes: 0, count: 1 },
    { maxBytes: 10, count: 1 },
    { maxBytes: 19, count: 1 },
    { maxBytes: 20, count: 2 },
    { maxBytes: 35, count: 3 },
    { maxBytes: Number.POSITIVE_INFINITY, count: 5 },
  ];
  for (const c of limitCases) {
    it(`entries returns ${c.count} entries of 10 bytes under a limit of ${c.maxBytes} bytes (at least one)`, () => {
      const storage = storageWith([1, 1, 1, 1, 1], 10);
      assert.equal(storage.entries(1, 6, c.maxBytes).length, c.count);
    });
  }

  const rangeErrors = [
    { name: 'below the first index', lo: 2, hi: 5, error: CompactedError },
    { name: 'at the compacted index', lo: 3, hi: 5, error: CompactedError },
    { name: 'past the last index', lo: 4, hi: 7, error: UnavailableError },
  ];
  for (const c of rangeErrors) {
    it(`entries(${c.lo}, ${c.hi}) ${c.name} throws ${c.error.name}`, () => {
      const storage = storageWith([1, 1, 1, 1, 1]);
      snapshotAndCompact(storage, 3);
      assert.throws(() => storage.entries(c.lo, c.hi, Number.POSITIVE_INFINITY), c.error);
    });
  }

  it('term answers from firstIndex - 1 to lastIndex, and throws outside', () => {
    const storage = storageWith([1, 2, 3, 4, 5]);
    snapshotAndCompact(storage, 3);
    assert.deepEqual(
      [3, 4, 5].map((i) => storage.term(i)),
      [3, 4, 5],
    );
    assert.throws(() => storage.term(2), CompactedError);
    assert.throws(() => storage.term(6), UnavailableError);
  });

  it('createSnapshot records index, term, membership and data, and keeps the entries', () => {
    const storage = storageWith([1, 2, 2]);
    const snapshot = storage.createSnapshot(2, CONF, bytes('image'));
    assert.deepEqual(snapshot.metadata, { index: 2, term: 2, confState: CONF });
    assert.equal(storage.snapshot(), snapshot);
    assert.equal(storage.firstIndex(), 1);
    assert.equal(storage.initialState().confState, CONF);
  });

  it('createSnapshot returns the latest snapshot for an older index and refuses an index past the log', () => {
    const storage = storageWith([1, 2, 2]);
    const latest = storage.createSnapshot(3, CONF, bytes('3'));
    assert.equal(storage.createSnapshot(2, CONF, bytes('2')), latest);
    assert.throws(() => storage.createSnapshot(4, CONF, bytes('4')), RaftInvariantError);
  });

  it('compact drops entries up to the index and keeps its term', () => {
    const storage = storageWith([1, 1, 2, 2, 3]);
    snapshotAndCompact(storage, 3);
    assert.equal(storage.firstIndex(), 4);
    assert.equal(storage.lastIndex(), 5);
    assert.equal(storage.term(3), 2);
    storage.compact(2);
    assert.equal(storage.firstIndex(), 4, 'compacting an older index does nothing');
    assert.throws(() => storage.compact(6), RaftInvariantError);
  });

  it('compact refuses an index past the latest snapshot, and drops nothing', () => {
    const storage = storageWith([1, 1, 2, 2, 3]);
    assert.throws(() => storage.compact(2), RaftInvariantError, 'no snapshot at all yet');
    storage.createSnapshot(3, CONF, bytes('image'));
    assert.throws(() => storage.compact(4), /past the latest snapshot 3/);
    assert.deepEqual(storedLog(storage), [
      [1, 1],
      [2, 1],
      [3, 2],
      [4, 2],
      [5, 3],
    ]);
    assert.equal(storage.snapshot().metadata.index, 3);
  });

  it('compact up to the latest snapshot, or short of it, works', () => {
    const storage = storageWith([1, 1, 2, 2, 3]);
    storage.createSnapshot(4, CONF, bytes('image'));
    storage.compact(2);
    assert.equal(storage.firstIndex(), 3, 'short of the snapshot');
    storage.compact(4);
    assert.equal(storage.firstIndex(), 5, 'up to the snapshot');
    assert.equal(storage.term(4), 2);
    assert.deepEqual(storedLog(storage), [[5, 3]]);
    // What a restarted node reads: the snapshot's membership stands for the dropped entries.
    assert.deepEqual(storage.initialState().confState, CONF);
    assert.deepEqual(storage.snapshot().metadata, { index: 4, term: 2, confState: CONF });
  });

  it('a bootstrapped log keeps its founding membership once compacted behind a snapshot', () => {
    const storage = MemoryStorage.bootstrap(CONF);
    const last = storage.lastIndex();
    assert.throws(() => storage.compact(last), RaftInvariantError);
    storage.createSnapshot(last, CONF, bytes('empty state machine'));
    storage.compact(last);
    assert.equal(storage.firstIndex(), last + 1);
    assert.deepEqual(storage.initialState().confState, CONF);
  });

  it('applySnapshot replaces the whole log and ignores an older snapshot', () => {
    const storage = storageWith([1, 1, 1, 1]);
    const snapshot = { metadata: { index: 10, term: 3, confState: CONF }, data: bytes('s') };
    storage.applySnapshot(snapshot);
    assert.equal(storage.firstIndex(), 11);
    assert.equal(storage.lastIndex(), 10);
    assert.equal(storage.term(10), 3);
    assert.equal(storage.initialState().confState, CONF);
    storage.applySnapshot({ metadata: { index: 5, term: 2, confState: CONF }, data: bytes('old') });
    assert.equal(storage.snapshot(), snapshot);
  });
});
