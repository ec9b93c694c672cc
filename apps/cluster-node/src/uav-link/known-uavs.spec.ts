import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestDatabase } from '@falconmind/consensus/testing/test-database';
import type { DataSource } from 'typeorm';
import { KnownUavs, MAX_IDS_PER_LOOKUP } from './known-uavs';

const FULL_READ = 'SELECT uav_id FROM uavs';

/** The node's own database, with every query it is asked recorded. */
function recording(dataSource: DataSource, queries: Array<{ sql: string; params: unknown[] }>) {
  return {
    query: (sql: string, params: unknown[] = []): Promise<unknown> => {
      queries.push({ sql, params });
      return dataSource.query(sql, params);
    },
  } as unknown as DataSource;
}

/** Calls `has` for each id, over and over for a while (several lookup intervals). */
async function keepAsking(known: KnownUavs, ids: readonly string[], rounds = 100): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    for (const id of ids) known.has(id);
    await sleep(10);
  }
}

describe('known UAVs', () => {
  let database: TestDatabase;

  before(async () => {
    database = await TestDatabase.create({ migrations: [], entities: [] });
    await database.dataSource.query('CREATE TABLE uavs (uav_id text PRIMARY KEY)');
    await database.dataSource.query(`INSERT INTO uavs VALUES ('uav-a')`);
  });

  after(async () => {
    await database.drop();
  });

  it('an unknown id asked about again and again costs one lookup by id, never a full read', async () => {
    const queries: Array<{ sql: string; params: unknown[] }> = [];
    const known = new KnownUavs(recording(database.dataSource, queries));
    try {
      await keepAsking(known, ['ghost']);
      assert.equal(known.has('ghost'), false);
      assert.deepEqual(
        queries.filter((q) => q.sql === FULL_READ),
        [],
        'a miss read the whole uavs table',
      );
      const asked = queries.filter((q) => JSON.stringify(q.params).includes('ghost'));
      assert.equal(asked.length, 1, `ghost was looked up ${asked.length} times`);
    } finally {
      known.onApplicationShutdown();
    }
  });

  it('a UAV registered after its first miss is found by a lookup', async () => {
    const queries: Array<{ sql: string; params: unknown[] }> = [];
    const known = new KnownUavs(recording(database.dataSource, queries));
    try {
      assert.equal(known.has('uav-late'), false);
      await keepAsking(known, ['uav-late'], 5);
      await database.dataSource.query(`INSERT INTO uavs VALUES ('uav-late')`);
      // Remembered as unregistered until the next full read (start() makes one a second)...
      await keepAsking(known, ['uav-late'], 30);
      assert.equal(known.has('uav-late'), false);
      // ...while an instance with no such memory finds it by a lookup.
      const fresh = new KnownUavs(recording(database.dataSource, queries));
      try {
        fresh.has('uav-late');
        for (let tries = 0; tries < 500 && !fresh.has('uav-late'); tries++) await sleep(10);
        assert.equal(fresh.has('uav-late'), true);
        assert.equal(fresh.has('uav-a'), false, 'uav-a was never asked about, nor read');
      } finally {
        fresh.onApplicationShutdown();
      }
      assert.deepEqual(
        queries.filter((q) => q.sql === FULL_READ),
        [],
      );
    } finally {
      known.onApplicationShutdown();
    }
  });

  it('a stream of distinct unknown ids is looked up in bounded batches, never by a full read', async () => {
    const queries: Array<{ sql: string; params: unknown[] }> = [];
    const known = new KnownUavs(recording(database.dataSource, queries));
    try {
      const ids = Array.from({ length: 3 * MAX_IDS_PER_LOOKUP }, (_, n) => `stray-${n}`);
      await keepAsking(known, ids, 30);
      assert.deepEqual(
        queries.filter((q) => q.sql === FULL_READ),
        [],
      );
      assert.ok(queries.length > 0, 'no lookup at all');
      for (const { params } of queries) {
        const asked = params[0] as unknown[];
        assert.ok(asked.length <= MAX_IDS_PER_LOOKUP, `one lookup asked about ${asked.length} ids`);
      }
    } finally {
      known.onApplicationShutdown();
    }
  });
});
