import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Client } from 'pg';
import { DOCKER_DIR } from './compose-file';

/** A server the tests may create roles and databases on. Override with TEST_DATABASE_URL. */
const SERVER_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const SCRIPT = path.join(DOCKER_DIR, 'postgres-init', '10-create-node-databases.sh');

/**
 * Runs the init script as the postgres image does at first start (its POSTGRES_USER, psql on the
 * local server), here pointed at the test server through libpq's variables.
 */
function runInitScript(env: Record<string, string>) {
  const server = new URL(SERVER_URL);
  return spawnSync('sh', [SCRIPT], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      PGHOST: server.hostname,
      PGPORT: server.port || '5432',
      PGPASSWORD: decodeURIComponent(server.password),
      POSTGRES_USER: decodeURIComponent(server.username) || 'postgres',
      ...env,
    },
  });
}

async function query<T>(sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('docker/postgres-init', () => {
  // Names of their own, so that runs on a shared server never meet.
  const suffix = `${process.pid}_${randomBytes(3).toString('hex')}`;
  const role = `fm_init_${suffix}`;
  const databases = [`fm_init_${suffix}_a`, `fm_init_${suffix}_b`];

  after(async () => {
    for (const database of databases) await query(`DROP DATABASE IF EXISTS "${database}"`);
    await query(`DROP ROLE IF EXISTS "${role}"`);
  });

  it("creates one database per node, owned by the nodes' role, which is no superuser", async () => {
    const run = runInitScript({
      FALCONMIND_DB_USER: role,
      // A quote in the password must reach PostgreSQL as data, not as SQL.
      FALCONMIND_DB_PASSWORD: "it's-a-password",
      FALCONMIND_DATABASES: databases.join(' '),
    });
    assert.equal(run.status, 0, run.stderr);

    const owners = await query<{ datname: string; owner: string }>(
      'SELECT datname, pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = ANY($1) ORDER BY datname',
      [databases],
    );
    assert.deepEqual(
      owners,
      databases.map((datname) => ({ datname, owner: role })),
    );
    const [attributes] = await query<{
      rolsuper: boolean;
      rolcreatedb: boolean;
      rolcanlogin: boolean;
    }>('SELECT rolsuper, rolcreatedb, rolcanlogin FROM pg_roles WHERE rolname = $1', [role]);
    // CREATEDB: a node added later creates its own database at first start.
    assert.deepEqual(attributes, { rolsuper: false, rolcreatedb: true, rolcanlogin: true });
  });

  it('refuses to run without its variables, saying which', () => {
    const run = runInitScript({ FALCONMIND_DB_USER: role });
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /FALCONMIND_DB_PASSWORD/);
  });
});
