import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';

import {
  ConfState,
  EMPTY_HARD_STATE,
  encodeConfChange,
  Entry,
  RaftInvariantError,
} from '@falconmind/raft';

import { FileLogStore, LOG_FILE_NAME } from './file-log-store';
import { CorruptRaftLogError } from './log-store';
import { replayRandomOperations } from './testing/log-store-model';

const CONF: ConfState = { voters: ['a', 'b', 'c'], learners: ['d'] };

/** Entries from..to (inclusive) of one term, each carrying its index as data. */
function run(from: number, to: number, term: number, bytes = 2): Entry[] {
  const entries: Entry[] = [];
  for (let i = from; i <= to; i++) {
    const data = new Uint8Array(bytes);
    data[0] = i % 256;
    entries.push({ index: i, term, type: 'normal', data });
  }
  return entries;
}

function indexTerms(entries: readonly Entry[]): Array<[number, number]> {
  return entries.map((e) => [e.index, e.term]);
}

describe('FileLogStore', () => {
  let directory: string;
  let store: FileLogStore;

  /** A new store on the same directory: what the node finds after a restart. */
  async function restart(): Promise<FileLogStore> {
    await store.close();
    store = new FileLogStore(directory);
    await store.open();
    return store;
  }

  beforeEach(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'falconmind-raft-log-'));
    store = new FileLogStore(directory);
    await store.open();
  });

  afterEach(async () => {
    await store.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('starts empty, with the empty hard state', async () => {
    assert.deepEqual(await store.load(), { hardState: EMPTY_HARD_STATE, entries: [] });
  });

  it('reads back, after a restart, the hard state and entries it persisted', async () => {
    const change = encodeConfChange({ type: 'add-learner', nodeId: 'd' });
    const entries: Entry[] = [
      { index: 1, term: 1, type: 'normal', data: new Uint8Array(0) },
      { index: 2, term: 1, type: 'conf-change', data: change },
      { index: 3, term: 2, type: 'normal', data: Uint8Array.of(0, 255, 0, 7) },
    ];
    await store.persist({ entries, hardState: { term: 2, vote: 'b', commit: 2 } });
    const state = await (await restart()).load();
    assert.deepEqual(state, { hardState: { term: 2, vote: 'b', commit: 2 }, entries });
  });

  it('replaces a conflicting suffix with the new entries', async () => {
    await store.persist({ entries: run(1, 10, 1) });
    await store.persist({ entries: run(6, 7, 2) });
    const { entries } = await (await restart()).load();
    assert.deepEqual(indexTerms(entries), [...indexTerms(run(1, 5, 1)), [6, 2], [7, 2]]);
  });

  it('rejects entries that are not contiguous, and writes nothing', async () => {
    const before = store.sizeBytes;
    await assert.rejects(
      store.persist({ entries: [...run(1, 2, 1), ...run(4, 4, 1)] }),
      RaftInvariantError,
    );
    assert.equal(store.sizeBytes, before);
    assert.deepEqual((await restart()).sizeBytes, before);
  });

  it('installs a snapshot in place of the log, and compacts to a local one', async () => {
    await store.persist({ entries: run(1, 10, 1) });
    await store.persist({
      installedSnapshot: { index: 20, term: 3, confState: CONF },
      entries: run(21, 22, 3),
      hardState: { term: 3, vote: '', commit: 20 },
    });
    await store.persist({ entries: run(23, 30, 3) });
    await store.compact({ index: 25, term: 3, confState: CONF });
    const state = await (await restart()).load();
    assert.deepEqual(state.snapshot, { index: 25, term: 3, confState: CONF });
    assert.deepEqual(indexTerms(state.entries), indexTerms(run(26, 30, 3)));
    assert.deepEqual(state.hardState, { term: 3, vote: '', commit: 20 });
  });

  it('cuts off a torn last append, which was never acknowledged, and goes on after it', async () => {
    await store.persist({ entries: run(1, 5, 1), hardState: { term: 1, vote: 'a', commit: 3 } });
    const whole = store.sizeBytes;
    await store.persist({ entries: run(6, 9, 1) });
    await store.close();
    // The crash: only part of the last record reached the disk.
    await truncate(path.join(directory, LOG_FILE_NAME), whole + 11);
    store = new FileLogStore(directory);
    assert.deepEqual(await store.open(), { tornTailBytes: 11 });
    assert.equal((await stat(path.join(directory, LOG_FILE_NAME))).size, whole);
    assert.deepEqual(indexTerms((await store.load()).entries), indexTerms(run(1, 5, 1)));
    await store.persist({ entries: run(6, 7, 2) });
    const state = await (await restart()).load();
    assert.deepEqual(indexTerms(state.entries), [...indexTerms(run(1, 5, 1)), [6, 2], [7, 2]]);
    assert.deepEqual(state.hardState, { term: 1, vote: 'a', commit: 3 });
  });

  it('cuts off a last append whose bytes do not match their checksum', async () => {
    await store.persist({ entries: run(1, 3, 1) });
    const whole = store.sizeBytes;
    await store.persist({ entries: run(4, 4, 1), hardState: { term: 1, vote: '', commit: 4 } });
    await store.close();
    const file = path.join(directory, LOG_FILE_NAME);
    const bytes = await readFile(file);
    bytes[bytes.length - 1] ^= 0xff;
    await writeFile(file, bytes);
    store = new FileLogStore(directory);
    assert.deepEqual(await store.open(), { tornTailBytes: bytes.length - whole });
    assert.deepEqual(await store.load(), { hardState: EMPTY_HARD_STATE, entries: run(1, 3, 1) });
  });

  it('refuses to cut off damage inside the file, which would drop acknowledged writes', async () => {
    await store.persist({ entries: run(1, 3, 1) });
    await store.persist({ entries: run(4, 6, 1), hardState: { term: 1, vote: 'a', commit: 6 } });
    await store.close();
    const file = path.join(directory, LOG_FILE_NAME);
    const bytes = await readFile(file);
    bytes[20] ^= 0xff;
    await writeFile(file, bytes);
    store = new FileLogStore(directory);
    await assert.rejects(store.open(), CorruptRaftLogError);
    // The file is left as it was found, for whoever repairs it.
    assert.deepEqual(await readFile(file), bytes);
  });

  it('takes a torn last append followed by zeros (a file extended before its data landed) as torn', async () => {
    await store.persist({ entries: run(1, 2, 1) });
    const whole = store.sizeBytes;
    await store.close();
    const file = path.join(directory, LOG_FILE_NAME);
    await writeFile(file, Buffer.concat([await readFile(file), Buffer.alloc(300)]));
    store = new FileLogStore(directory);
    assert.deepEqual(await store.open(), { tornTailBytes: 300 });
    assert.equal(store.sizeBytes, whole);
    assert.deepEqual(indexTerms((await store.load()).entries), indexTerms(run(1, 2, 1)));
  });

  it('rewrites a file that compactions left mostly dead, and loses nothing', async () => {
    await store.close();
    store = new FileLogStore(directory, { rewriteMinBytes: 4096 });
    await store.open();
    for (let first = 1; first <= 400; first += 20) {
      await store.persist({ entries: run(first, first + 19, 1, 100) });
    }
    const grown = store.sizeBytes;
    await store.compact({ index: 390, term: 1, confState: CONF });
    assert.ok(
      store.sizeBytes < grown / 4,
      `${store.sizeBytes} of ${grown} bytes after the rewrite`,
    );
    await store.persist({
      entries: run(401, 402, 2),
      hardState: { term: 2, vote: 'c', commit: 400 },
    });
    const state = await (await restart()).load();
    assert.deepEqual(state.snapshot, { index: 390, term: 1, confState: CONF });
    assert.deepEqual(indexTerms(state.entries), [
      ...indexTerms(run(391, 400, 1)),
      [401, 2],
      [402, 2],
    ]);
    assert.deepEqual(await readdir(directory), [LOG_FILE_NAME]);
  });

  it('keeps the old file whole when a rewrite did not reach its rename', async () => {
    await store.persist({ entries: run(1, 4, 1) });
    await writeFile(path.join(directory, `${LOG_FILE_NAME}.rewrite`), 'half a rewrite');
    const state = await (await restart()).load();
    assert.deepEqual(indexTerms(state.entries), indexTerms(run(1, 4, 1)));
    assert.deepEqual(await readdir(directory), [LOG_FILE_NAME]);
  });

  it('starts a new file from the state another store held, and only a new one', async () => {
    const moved = {
      hardState: { term: 4, vote: 'b', commit: 12 },
      snapshot: { index: 10, term: 3, confState: CONF },
      entries: run(11, 12, 4),
    };
    const other = await mkdtemp(path.join(tmpdir(), 'falconmind-raft-log-'));
    try {
      const seeded = new FileLogStore(other);
      await seeded.open(moved);
      await seeded.close();
      const reopened = new FileLogStore(other);
      await reopened.open({ hardState: EMPTY_HARD_STATE, entries: [] });
      assert.deepEqual(await reopened.load(), moved);
      await reopened.close();
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  describe('replays random operations exactly as MemoryStorage holds them', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      it(`seed ${seed}, and the same after a restart`, async () => {
        await replayRandomOperations(store, seed, 150);
        const before = await store.load();
        assert.deepEqual(await (await restart()).load(), before);
      });
    }
  });
});
