import { Client } from 'pg';

import { DatabaseLogger } from './logger';
import { DatabaseUnreachableError, describeError, errorCode } from './errors';

/** The maintenance database every PostgreSQL server has: where CREATE DATABASE is run from. */
const MAINTENANCE_DATABASE = 'postgres';
/** How long a connection attempt may take before the server counts as unreachable. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** SQLSTATE of a connection to a database that does not exist. */
const INVALID_CATALOG_NAME = '3D000';
/** SQLSTATEs of a CREATE DATABASE that lost a race with another one. */
const ALREADY_CREATED = new Set(['42P04', '23505']);

/** A server the node connects to, and how to word errors about it. */
export interface DatabaseTarget {
  /** The connection URL (it may carry a password: never log it). */
  readonly url: URL;
  /** The database the URL names. */
  readonly database: string;
  /** `host:port`, for messages. */
  readonly address: string;
  /** Where the URL came from, e.g. `DATABASE_URL`. */
  readonly source: string;
  /** What to do when the server cannot be reached. */
  readonly hint: string;
}

/** Parses a `postgres://` URL into a target; throws, without echoing a password, when it is not one. */
export function databaseTarget(url: string, source: string, hint: string): DatabaseTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${source} is not a URL: expected postgres://user:password@host:port/database`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new Error(
      `${source} must be a postgres:// or postgresql:// URL, not ${parsed.protocol}//`,
    );
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (database === '') {
    throw new Error(`${source} names no database: add it to the path, e.g. …:5432/falconmind`);
  }
  const address = `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}`;
  return { url: parsed, database, address, source, hint };
}

/**
 * Makes sure the target's database exists: connects to it, and when the server answers that it does
 * not exist, creates it from the maintenance database. Returns whether it created it.
 */
export async function ensureDatabase(
  target: DatabaseTarget,
  logger: DatabaseLogger,
  nodeId: string,
): Promise<boolean> {
  try {
    await withClient(target.url, () => Promise.resolve());
    return false;
  } catch (error) {
    if (errorCode(error) !== INVALID_CATALOG_NAME) throw unreachable(target, error);
  }

  const maintenance = new URL(target.url);
  maintenance.pathname = `/${MAINTENANCE_DATABASE}`;
  try {
    await withClient(maintenance, async (client) => {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(target.database)}`);
    });
  } catch (error) {
    if (ALREADY_CREATED.has(errorCode(error) ?? '')) return false;
    throw new Error(
      `the database "${target.database}" named by ${target.source} does not exist and cannot be ` +
        `created through the "${MAINTENANCE_DATABASE}" database at ${target.address}: ` +
        `${describeError(error)}; create it (createdb) or name another one`,
      { cause: error },
    );
  }
  logger.info(`created the database ${target.database} at ${target.address}`, {
    nodeId,
    database: target.database,
    address: target.address,
  });
  return true;
}

/** The error for a server that could not be connected to. */
export function unreachable(target: DatabaseTarget, error: unknown): DatabaseUnreachableError {
  return new DatabaseUnreachableError(
    target.address,
    target.source,
    describeError(error),
    target.hint,
    { cause: error },
  );
}

/** Connects one client to `url`, runs `work`, and always disconnects. */
async function withClient<T>(url: URL, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({
    connectionString: url.toString(),
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  // A connection the server drops later must not crash the process: the query in flight fails.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
