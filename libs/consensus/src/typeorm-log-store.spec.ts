import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  ConfState,
  EMPTY_HARD_STATE,
  encodeConfChange,
  Entry,
  HardState,
  RaftInvariantError,
  SnapshotMetadata,
} from '@falconmind/raft';
import { DataSource } from 'typeorm';

import { CreateRaftLogStore1795758517461 } from '../migrations/1795758517461-CreateRaftLogStore';
import { replayRandomOperations } from './testing/log-store-model';
import { TestDatabase } from './testing/test-database';
import { CorruptRaftLogError, RAFT_LOG_STORE_ENTITIES, TypeormLogStore } from './typeorm-log-store';

const OPTIONS = {
  migrations: [CreateRaftLogStore1795758517461],
  entities: [...RAFT_LOG_STORE_ENTITIES],
};
const TABLES = ['raft_log', 'raft_hard_state', 'raft_snapshot'];
const CONF: ConfState = { voters: ['a', 'b', 'c'], learners: ['d'] };
const EMPTY = new Uint8Array(0);

function entry(index: number, term: number, data: Uint8Array = EMPTY): Entry {
  return { index, term, type: 'normal', data };
}

/** Entries from..to (inclusive) of one term, each carrying its index as data. */
function run(from: number, to: number, term: number): Entry[] {
  const entries: Entry[] = [];
  for (let i = from; i <= to; i++) entries.push(entry(i, term, Uint8Array.of(i % 256, 0)));
  return entries;
}

/** [index, term] of each entry: a compact view for assertions. */
function indexTerms(entries: readonly Entry[]): Array<[number, number]> {
  return entries.map((e) => [e.index, e.term]);
}

/** A trigger that makes a write fail inside PostgreSQL, so a batch breaks half-way through. */
async function failWrites(dataSource: DataSource, table: string, when = 'true'): Promise<void> {
  await dataSource.query(`
    CREATE OR REPLACE FUNCTION forced_failure() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'forced failure on %', TG_TABLE_NAME; END
    $$`);
  await dataSource.query(
    `CREATE TRIGGER forced_failure BEFORE INSERT OR UPDATE ON "${table}"
       FOR EACH ROW WHEN (${when}) EXECUTE FUNCTION forced_failure()`,
  );
}

async function stopFailingWrites(dataSource: DataSource, table: string): Promise<void> {
  await dataSource.query(`DROP TRIGGER IF EXISTS forced_failure ON "${table}"`);
}

describe('TypeormLogStore', () => {
  let db: TestDatabase;
  let store: TypeormLogStore;

  before(async () => {
    db = await TestDatabase.create(OPTIONS);
    store = new TypeormLogStore(db.dataSource);
  });

  after(async () => {
    await db?.drop();
  });

  beforeEach(async () => {
    await db.dataSource.query(`TRUNCATE ${TABLES.map((t) => `"${t}"`).join(', ')}`);
  });

  it('loads an empty hard state and an empty log from empty tables', async () => {
    assert.deepEqual(await store.load(), { hardState: EMPTY_HARD_STATE, entries: [] });
  });

  it('reads back the hard state and entries it persisted, binary data and conf changes included', async () => {
    const confChange: Entry = {
      index: 1,
      term: 1,
      type: 'conf-change',
      data: encodeConfChange({ type: 'add-voter', nodeId: 'node-1', context: '10.0.0.1:8889' }),
    };
    const entries: Entry[] = [
      confChange,
      entry(2, 1),
      entry(3, 2, Uint8Array.of(0, 0, 0)),
      entry(4, 2, Uint8Array.of(0, 255, 0, 1, 92, 120, 0)),
      entry(
        5,
        2,
        new Uint8Array(70_000).map((_, i) => i % 7),
      ),
    ];
    const hardState: HardState = { term: 2, vote: 'node-1', commit: 3 };

    await store.persist({ hardState, entries });

    assert.deepEqual(await store.load(), { hardState, entries });
  });

  it('keeps only the latest hard state; a hard state alone touches no entry', async () => {
    await store.persist({ entries: run(1, 3, 1), hardState: { term: 1, vote: 'a', commit: 1 } });
    await store.persist({ entries: [], hardState: { term: 2, vote: '', commit: 3 } });

    const loaded = await store.load();
    assert.deepEqual(loaded.hardState, { term: 2, vote: '', commit: 3 });
    assert.deepEqual(indexTerms(loaded.entries), indexTerms(run(1, 3, 1)));
    assert.deepEqual(await db.dataSource.query(`SELECT count(*)::int AS n FROM raft_hard_state`), [
      { n: 1 },
    ]);
  });

  it('does nothing for an empty batch, not even open a connection', async () => {
    const closed = await db.open();
    await closed.destroy();

    await new TypeormLogStore(closed).persist({ entries: [] });
  });

  it('replaces a conflicting suffix with the new entries', async () => {
    await store.persist({ entries: run(1, 5, 1) });

    await store.persist({ entries: run(3, 4, 2) });

    assert.deepEqual(indexTerms((await store.load()).entries), [
      [1, 1],
      [2, 1],
      [3, 2],
      [4, 2],
    ]);
  });

  it('writes a batch larger than one INSERT statement whole', async () => {
    await store.persist({ entries: run(1, 4000, 1) });
    await store.persist({ entries: run(2000, 5001, 2) });

    const loaded = await store.load();
    assert.equal(loaded.entries.length, 5001);
    assert.deepEqual(loaded.entries, [...run(1, 1999, 1), ...run(2000, 5001, 2)]);
  });

  it('rejects entries that are not contiguous, and writes nothing', async () => {
    await assert.rejects(
      store.persist({ entries: [entry(1, 1), entry(3, 1)], hardState: EMPTY_HARD_STATE }),
      RaftInvariantError,
    );

    assert.deepEqual(await store.load(), { hardState: EMPTY_HARD_STATE, entries: [] });
  });

  it('installs a snapshot from the leader in place of the whole log', async () => {
    await store.persist({ entries: run(1, 15, 1), hardState: { term: 1, vote: 'a', commit: 5 } });
    const installed: SnapshotMetadata = { index: 10, term: 3, confState: CONF };

    await store.persist({
      installedSnapshot: installed,
      entries: run(11, 12, 3),
      hardState: { term: 3, vote: '', commit: 10 },
    });

    assert.deepEqual(await store.load(), {
      hardState: { term: 3, vote: '', commit: 10 },
      snapshot: installed,
      entries: run(11, 12, 3),
    });
    assert.deepEqual(await db.dataSource.query(`SELECT count(*)::int AS n FROM raft_log`), [
      { n: 2 },
    ]);
  });

  it('ignores an installed snapshot older than the stored one, as MemoryStorage does', async () => {
    const installed: SnapshotMetadata = { index: 10, term: 3, confState: CONF };
    await store.persist({ installedSnapshot: installed, entries: run(11, 14, 3) });

    await store.persist({
      installedSnapshot: { index: 8, term: 2, confState: { voters: ['a'], learners: [] } },
      entries: [],
    });

    const loaded = await store.load();
    assert.deepEqual(loaded.snapshot, installed);
    assert.deepEqual(loaded.entries, run(11, 14, 3));
  });

  it('compacts: drops the covered entries, then loads the snapshot and the tail', async () => {
    await store.persist({ entries: run(1, 10, 1) });
    const metadata: SnapshotMetadata = { index: 6, term: 1, confState: CONF };

    await store.compact(metadata);

    assert.deepEqual(await store.load(), {
      hardState: EMPTY_HARD_STATE,
      snapshot: metadata,
      entries: run(7, 10, 1),
    });
    assert.deepEqual(await db.dataSource.query(`SELECT count(*)::int AS n FROM raft_log`), [
      { n: 4 },
    ]);
  });

  it('keeps the newer snapshot when asked to compact to an older one', async () => {
    await store.persist({ entries: run(1, 10, 1) });
    const metadata: SnapshotMetadata = { index: 6, term: 1, confState: CONF };
    await store.compact(metadata);

    await store.compact({ index: 4, term: 1, confState: { voters: ['a'], learners: [] } });

    const loaded = await store.load();
    assert.deepEqual(loaded.snapshot, metadata);
    assert.deepEqual(loaded.entries, run(7, 10, 1));
  });

  it('leaves the live log alone when a batch lies wholly under the snapshot', async () => {
    await store.persist({ entries: run(1, 10, 1) });
    await store.compact({ index: 6, term: 1, confState: CONF });

    await store.persist({ entries: run(3, 5, 1) });
    await store.persist({ entries: run(4, 6, 1) });

    assert.deepEqual((await store.load()).entries, run(7, 10, 1));
  });

  it('writes nothing of a batch that fails on its last statement', async () => {
    await store.persist({ entries: run(1, 5, 1), hardState: { term: 1, vote: 'a', commit: 2 } });
    const before = await store.load();
    await failWrites(db.dataSource, 'raft_hard_state');
    try {
      await assert.rejects(
        store.persist({ entries: run(3, 8, 2), hardState: { term: 2, vote: 'b', commit: 4 } }),
        /forced failure on raft_hard_state/,
      );
    } finally {
      await stopFailingWrites(db.dataSource, 'raft_hard_state');
    }

    assert.deepEqual(await store.load(), before);
  });

  it('writes nothing of a batch that fails in its third INSERT', async () => {
    await store.persist({ entries: run(1, 5, 1) });
    await failWrites(db.dataSource, 'raft_log', 'NEW."index" = 2600');
    try {
      await assert.rejects(
        store.persist({ entries: run(3, 3002, 2), hardState: { term: 2, vote: 'b', commit: 4 } }),
        /forced failure on raft_log/,
      );
    } finally {
      await stopFailingWrites(db.dataSource, 'raft_log');
    }

    assert.deepEqual(await store.load(), { hardState: EMPTY_HARD_STATE, entries: run(1, 5, 1) });
  });

  it('writes nothing of an installed snapshot whose batch fails', async () => {
    await store.persist({ entries: run(1, 5, 1) });
    await failWrites(db.dataSource, 'raft_log');
    try {
      await assert.rejects(
        store.persist({
          installedSnapshot: { index: 9, term: 2, confState: CONF },
          entries: run(10, 11, 2),
        }),
        /forced failure on raft_log/,
      );
    } finally {
      await stopFailingWrites(db.dataSource, 'raft_log');
    }

    assert.deepEqual(await store.load(), { hardState: EMPTY_HARD_STATE, entries: run(1, 5, 1) });
  });

  it('finds everything again after a restart (a new DataSource on the same database)', async () => {
    const first = await db.open();
    const writer = new TypeormLogStore(first);
    await writer.persist({ entries: run(1, 20, 1), hardState: { term: 1, vote: 'a', commit: 12 } });
    await writer.compact({ index: 12, term: 1, confState: CONF });
    await writer.persist({
      entries: run(18, 25, 2),
      hardState: { term: 2, vote: 'b', commit: 19 },
    });
    const written = await writer.load();
    await first.destroy();

    const second = await db.open();
    const reloaded = await new TypeormLogStore(second).load();
    await second.destroy();

    assert.deepEqual(reloaded, written);
    assert.deepEqual(reloaded, {
      hardState: { term: 2, vote: 'b', commit: 19 },
      snapshot: { index: 12, term: 1, confState: CONF },
      entries: [...run(13, 17, 1), ...run(18, 25, 2)],
    });
  });

  it('reads back indexes and terms up to 2^53 - 1 exactly', async () => {
    const index = Number.MAX_SAFE_INTEGER - 1;
    const term = Number.MAX_SAFE_INTEGER;
    const metadata: SnapshotMetadata = { index: index - 1, term, confState: CONF };
    await store.persist({
      installedSnapshot: metadata,
      entries: [entry(index, term), entry(index + 1, term)],
      hardState: { term, vote: 'a', commit: index + 1 },
    });

    assert.deepEqual(await store.load(), {
      hardState: { term, vote: 'a', commit: index + 1 },
      snapshot: metadata,
      entries: [entry(index, term), entry(index + 1, term)],
    });
  });

  it('refuses to round a bigint past 2^53 - 1', async () => {
    await db.dataSource.query(
      `INSERT INTO raft_hard_state (id, term, vote, "commit") VALUES (1, 9007199254740993, '', 0)`,
    );

    await assert.rejects(store.load(), RangeError);
  });

  it('refuses to load a log with a hole in it', async () => {
    await store.persist({ entries: run(1, 5, 1) });
    await db.dataSource.query(`DELETE FROM raft_log WHERE "index" = 3`);

    await assert.rejects(store.load(), CorruptRaftLogError);
  });

  it('refuses to load a log that does not start right after the snapshot', async () => {
    await store.persist({ entries: run(1, 10, 1) });
    await store.compact({ index: 4, term: 1, confState: CONF });
    await db.dataSource.query(`DELETE FROM raft_log WHERE "index" = 5`);

    await assert.rejects(store.load(), /expected index 5, found 6/);
  });

  it('has entities that match the migrated schema exactly', async () => {
    const pending = await db.dataSource.driver.createSchemaBuilder().log();

    assert.deepEqual(
      pending.upQueries.map((query) => query.query),
      [],
    );
  });

  describe('replays random operations exactly as MemoryStorage holds them', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      it(`seed ${seed}`, async () => {
        await replayRandomOperations(store, seed, 150);
      });
    }
  });
});

describe('CreateRaftLogStore migration', () => {
  it('drops the tables on the way down and recreates them on the way up', async () => {
    const db = await TestDatabase.create(OPTIONS);
    try {
      const tables = async (): Promise<string[]> => {
        const rows: Array<{ name: string }> = await db.dataSource.query(
          `SELECT table_name AS name FROM information_schema.tables
           WHERE table_schema = 'public' AND table_name LIKE 'raft\\_%' ORDER BY table_name`,
        );
        return rows.map((row) => row.name);
      };
      assert.deepEqual(await tables(), [...TABLES].sort());

      await db.dataSource.undoLastMigration({ transaction: 'each' });
      assert.deepEqual(await tables(), []);
      assert.equal(await db.dataSource.showMigrations(), true);

      await db.dataSource.runMigrations({ transaction: 'each' });
      assert.deepEqual(await tables(), [...TABLES].sort());
      assert.equal(await db.dataSource.showMigrations(), false);
      const store = new TypeormLogStore(db.dataSource);
      await store.persist({ entries: run(1, 2, 1), hardState: { term: 1, vote: '', commit: 1 } });
      assert.deepEqual(await store.load(), {
        hardState: { term: 1, vote: '', commit: 1 },
        entries: run(1, 2, 1),
      });
    } finally {
      await db.drop();
    }
  });
});
