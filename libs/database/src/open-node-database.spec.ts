import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';

import { RAFT_LOG_STORE_ENTITIES } from '@falconmind/consensus';
import { Client } from 'pg';
import { MigrationInterface } from 'typeorm';

import { CreateRaftLogStore1795758517461 } from '../../consensus/migrations/1795758517461-CreateRaftLogStore';
import { DatabaseUnreachableError } from './errors';
import { RecordingLogger } from './testing/recording-logger';
import { MIGRATIONS_TABLE_NAME, openNodeDatabase } from './open-node-database';

/** A URL to a database that always exists on the test server. Override with TEST_DATABASE_URL. */
const SERVER_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const TIMEOUT = { timeout: 60_000 };
const RAFT_TABLES = ['raft_hard_state', 'raft_log', 'raft_snapshot'];

/** Databases the tests asked for; `after` drops them. */
const created: string[] = [];

function newDatabaseUrl(): { name: string; url: string } {
  const name = `falconmind_dbtest_${process.pid}_${randomBytes(4).toString('hex')}`;
  created.push(name);
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

async function onServer<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function databaseExists(name: string): Promise<boolean> {
  const result = await onServer((client) =>
    client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]),
  );
  return result.rowCount === 1;
}

/** Connections open to database `name`, once those closing have had a moment to go. */
async function connectionsTo(name: string): Promise<number> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const result = await onServer((client) =>
      client.query<{ count: number }>(
        'SELECT count(*)::int AS count FROM pg_stat_activity WHERE datname = $1',
        [name],
      ),
    );
    const count = result.rows[0]?.count ?? 0;
    if (count === 0 || Date.now() > deadline) return count;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function options(databaseUrl: string, logger = new RecordingLogger()) {
  return {
    databaseUrl,
    dataDir: '/nonexistent/never-used-with-a-url',
    entities: [...RAFT_LOG_STORE_ENTITIES],
    migrations: [CreateRaftLogStore1795758517461],
    logger,
    nodeId: 'node-test',
  };
}

class FailingMigration1795758517462 implements MigrationInterface {
  name = 'FailingMigration1795758517462';
  async up(): Promise<void> {
    await Promise.resolve();
    throw new Error('this migration always fails');
  }
  async down(): Promise<void> {}
}

after(async () => {
  for (const name of created) {
    await onServer((client) =>
      client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`),
    );
  }
});

describe('openNodeDatabase with DATABASE_URL', () => {
  it(
    'creates a missing database and runs the migrations; opening again changes nothing',
    TIMEOUT,
    async () => {
      const { name, url } = newDatabaseUrl();
      assert.equal(await databaseExists(name), false);

      const firstLog = new RecordingLogger();
      const first = await openNodeDatabase(options(url, firstLog));
      try {
        assert.equal(first.embedded, false);
        assert.equal(first.url, url);
        assert.equal(first.dataSource.isInitialized, true);
        const tables = await first.dataSource.query<Array<{ table_name: string }>>(
          `SELECT table_name FROM information_schema.tables
         WHERE table_schema = 'public' ORDER BY table_name`,
        );
        assert.deepEqual(
          tables.map((row) => row.table_name),
          [MIGRATIONS_TABLE_NAME, ...RAFT_TABLES].sort(),
        );
        // The API reads through a pool of its own, on the same database.
        const [api] = await first.apiDataSource.query<
          Array<{ application_name: string; database: string }>
        >('SELECT current_setting($1) AS application_name, current_database() AS database', [
          'application_name',
        ]);
        assert.equal(api.database, name);
        assert.match(api.application_name, / api$/);
        assert.notEqual(first.apiDataSource, first.dataSource);
      } finally {
        await first.close();
      }
      assert.equal(first.apiDataSource.isInitialized, false);
      assert.equal(await databaseExists(name), true);
      assert.ok(firstLog.has('info', `created the database ${name} at 127.0.0.1:5432`));
      assert.ok(firstLog.has('info', 'applied migration CreateRaftLogStore1795758517461'));
      assert.equal(first.dataSource.isInitialized, false);
      await first.close(); // idempotent

      const secondLog = new RecordingLogger();
      const second = await openNodeDatabase(options(url, secondLog));
      try {
        const migrations = await second.dataSource.query<Array<{ name: string }>>(
          `SELECT name FROM ${MIGRATIONS_TABLE_NAME}`,
        );
        assert.deepEqual(
          migrations.map((row) => row.name),
          ['CreateRaftLogStore1795758517461'],
        );
      } finally {
        await second.close();
      }
      assert.deepEqual(secondLog.lines, []);
    },
  );

  it(
    'reports a server that is not listening, naming DATABASE_URL and hiding the password',
    TIMEOUT,
    async () => {
      const url = 'postgres://falconmind:secret-password@127.0.0.1:1/falconmind';
      const error = await openNodeDatabase(options(url)).then(
        () => assert.fail('opened a database on port 1'),
        (reason: unknown) => reason,
      );
      assert.ok(error instanceof DatabaseUnreachableError);
      assert.match(
        error.message,
        /^cannot reach PostgreSQL at 127\.0\.0\.1:1 \(DATABASE_URL\): .*ECONNREFUSED.*; start it or fix DATABASE_URL$/,
      );
      assert.doesNotMatch(error.message, /secret-password/);
    },
  );

  it('reports a server that refuses the connection, naming DATABASE_URL', TIMEOUT, async () => {
    const url = new URL(SERVER_URL);
    url.username = `no_such_role_${randomBytes(4).toString('hex')}`;
    url.pathname = '/falconmind_never_created';
    await assert.rejects(openNodeDatabase(options(url.toString())), (error: unknown) => {
      assert.ok(error instanceof DatabaseUnreachableError);
      assert.match(error.message, /^cannot reach PostgreSQL at .* \(DATABASE_URL\): .*role/);
      assert.match(error.message, /start it or fix DATABASE_URL$/);
      return true;
    });
  });

  it('refuses a URL that names no database', TIMEOUT, async () => {
    await assert.rejects(
      openNodeDatabase(options('postgres://postgres@127.0.0.1:5432')),
      /DATABASE_URL names no database/,
    );
  });

  it('reports a failing migration and leaves nothing open', TIMEOUT, async () => {
    const { name, url } = newDatabaseUrl();
    const failing = {
      ...options(url),
      migrations: [CreateRaftLogStore1795758517461, FailingMigration1795758517462],
    };
    await assert.rejects(
      openNodeDatabase(failing),
      /^Error: cannot apply the migration FailingMigration1795758517462 to the database falconmind_dbtest_\S+ at 127\.0\.0\.1:5432 \(DATABASE_URL\): .*this migration always fails/,
    );
    assert.equal(await connectionsTo(name), 0);
    // The migration before it was committed on its own ('each'): a fixed migration resumes there.
    const fixed = await openNodeDatabase(options(url));
    await fixed.close();
  });
});
