import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The PostgreSQL server the nodes' databases live on (trust authentication on loopback). */
export const DATABASE_SERVER_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function onServer<T>(run: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: DATABASE_SERVER_URL });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** A database name nobody else uses: this run's pid and a random suffix. */
function databaseName(nodeId: string): string {
  return `falconmind_bench_${nodeId.replace(/[^a-z0-9]/gi, '_')}_${process.pid}_${randomBytes(3).toString('hex')}`;
}

/**
 * Creates an empty database for one node, with `synchronous_commit=on` pinned on the database so
 * that a server configured otherwise cannot make FalconMind look faster than it is durable.
 * Returns its name and URL.
 */
export async function createBenchDatabase(nodeId: string): Promise<{ name: string; url: string }> {
  const name = databaseName(nodeId);
  await onServer(async (client) => {
    await client.query(`CREATE DATABASE "${name}"`);
    await client.query(`ALTER DATABASE "${name}" SET synchronous_commit = on`);
  });
  const url = new URL(DATABASE_SERVER_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

/** Writes every dirty buffer of the server to disk (CHECKPOINT: the bench connects as a superuser). */
export async function checkpointDatabaseServer(): Promise<void> {
  await onServer((client) => client.query('CHECKPOINT'));
}

export async function dropBenchDatabase(name: string): Promise<void> {
  await onServer((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** The server processes serving connections to a database (the node's pool), for CPU accounting. */
export async function backendPids(name: string): Promise<number[]> {
  return onServer(async (client) => {
    const result = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [name],
    );
    return result.rows.map((row) => row.pid);
  });
}

/** Runs one query in a node's own database. */
export async function queryDatabase<T extends Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[],
): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
