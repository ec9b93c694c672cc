import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';

import { EMPTY_HARD_STATE, Entry, RaftLogger } from '@falconmind/raft';

import { CreateRaftLogStore1795758517461 } from '../../migrations/1795758517461-CreateRaftLogStore';
import { FileLogStore } from '../file-log-store';
import { TestDatabase } from '../testing/test-database';
import { RAFT_LOG_STORE_ENTITIES, TypeormLogStore } from '../typeorm-log-store';
import { NodeLogStore, RAFT_LOG_DIRECTORY } from './node-log-store';

const CONF = { voters: ['a', 'b', 'c'], learners: [] };

function run(from: number, to: number, term: number): Entry[] {
  return Array.from({ length: to - from + 1 }, (_, i) => ({
    index: from + i,
    term,
    type: 'normal' as const,
    data: Uint8Array.of(from + i),
  }));
}

/** Keeps what the store logs, to check that a move from the tables is reported. */
class RecordingLogger implements RaftLogger {
  readonly lines: string[] = [];
  debug(): void {}
  info(message: string): void {
    this.lines.push(message);
  }
  warn(message: string): void {
    this.lines.push(message);
  }
}

describe('NodeLogStore', () => {
  let db: TestDatabase;
  let dataDir: string;
  let opened: NodeLogStore[] = [];

  const storeOf = (kind: 'file' | 'postgres', logger: RaftLogger = new RecordingLogger()) => {
    const store = new NodeLogStore(kind, dataDir, db.dataSource, logger);
    opened.push(store);
    return store;
  };

  before(async () => {
    db = await TestDatabase.create({
      migrations: [CreateRaftLogStore1795758517461],
      entities: [...RAFT_LOG_STORE_ENTITIES],
    });
  });

  after(async () => {
    await db?.drop();
  });

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'falconmind-node-log-'));
    await db.dataSource.query('TRUNCATE "raft_log", "raft_hard_state", "raft_snapshot"');
  });

  afterEach(async () => {
    for (const store of opened) await store.close();
    opened = [];
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts a new node on an empty log file', async () => {
    assert.deepEqual(await storeOf('file').open(0), { hardState: EMPTY_HARD_STATE, entries: [] });
    assert.equal(await FileLogStore.exists(path.join(dataDir, RAFT_LOG_DIRECTORY)), true);
  });

  it("moves a node's log from the database tables into the file, empties them, and says so", async () => {
    const held = {
      hardState: { term: 3, vote: 'b', commit: 12 },
      snapshot: { index: 10, term: 2, confState: CONF },
      entries: run(11, 12, 3),
    };
    const tables = new TypeormLogStore(db.dataSource);
    await tables.persist({
      installedSnapshot: held.snapshot,
      entries: held.entries,
      hardState: held.hardState,
    });
    const logger = new RecordingLogger();
    assert.deepEqual(await storeOf('file', logger).open(11), held);
    assert.ok(logger.lines.includes('moved the Raft log from the database to the log file'));
    // From now on the file is the log: a write there is not in the tables.
    await opened[0].store.persist({ entries: run(13, 13, 3) });
    await opened[0].close();
    assert.deepEqual((await storeOf('file').open(12)).entries.length, 3);
    // The tables were emptied by the move: they cannot be taken for the log again.
    assert.deepEqual(await tables.load(), { hardState: EMPTY_HARD_STATE, entries: [] });
  });

  it('refuses the database tables once the log has moved into the file', async () => {
    await storeOf('file').open(0);
    await assert.rejects(storeOf('postgres').open(0), /RAFT_LOG_STORE=file/);
  });

  it('refuses to start when the log file is lost after the move, rather than take the old tables', async () => {
    await new TypeormLogStore(db.dataSource).persist({
      entries: run(1, 5, 1),
      hardState: { term: 1, vote: 'a', commit: 5 },
    });
    await storeOf('file').open(5);
    await opened[0].close();
    await rm(path.join(dataDir, RAFT_LOG_DIRECTORY), { recursive: true });
    await assert.rejects(storeOf('file').open(5), /the log was lost/);
  });

  it('refuses to start when the database applied past the end of the log (a lost log)', async () => {
    const store = storeOf('file');
    await store.open(0);
    await store.store.persist({
      entries: run(1, 3, 1),
      hardState: { term: 1, vote: '', commit: 3 },
    });
    await store.close();
    await assert.rejects(storeOf('file').open(7), /the log was lost/);
  });

  it('refuses to start when the log was compacted past what the database applied', async () => {
    const store = storeOf('postgres');
    await store.store.persist({
      entries: run(1, 20, 1),
      hardState: { term: 1, vote: '', commit: 20 },
    });
    await store.store.compact({ index: 15, term: 1, confState: CONF });
    await assert.rejects(storeOf('postgres').open(4), /the database was reset/);
    assert.equal((await storeOf('postgres').open(15)).snapshot?.index, 15);
  });
});
