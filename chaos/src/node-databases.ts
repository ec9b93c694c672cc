/**
 * One PostgreSQL database per node on the local server: created for the run, emptied when a removed
 * node is to rejoin (a fresh database is how a node comes back), dropped at the end, and read
 * directly at the end to compare the nodes' replicated tables.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

const SERVER_URL = process.env.CHAOS_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** The replicated tables: every node must hold the same rows once it applied the same index. */
export const REPLICATED_TABLES = [
  { table: 'missions', key: 'mission_id' },
  { table: 'uavs', key: 'uav_id' },
  { table: 'fleet_idempotency', key: '"key"' },
  { table: 'cluster_members', key: 'node_id' },
] as const;

export type TableChecksums = Record<string, { rows: number; md5: string }>;

export interface FinalMissionRow {
  readonly mission_id: string;
  readonly state: string;
  readonly version: number;
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export class NodeDatabases {
  private readonly names = new Set<string>();
  /** A tag shared by this run's databases, so that a leftover is recognisable. */
  readonly runTag = `${process.pid}_${randomBytes(3).toString('hex')}`;

  nameFor(nodeId: string): string {
    return `falconmind_chaos_${this.runTag}_${nodeId.replace(/[^a-z0-9]/gi, '_')}`;
  }

  urlOf(name: string): string {
    const url = new URL(SERVER_URL);
    url.pathname = `/${name}`;
    return url.toString();
  }

  /** Creates an empty database (dropping one of the same name first); returns its URL. */
  async createEmpty(nodeId: string): Promise<string> {
    const name = this.nameFor(nodeId);
    await withClient(SERVER_URL, async (client) => {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.query(`CREATE DATABASE "${name}"`);
    });
    this.names.add(name);
    return this.urlOf(name);
  }

  /** Drops every database this run created; never throws (cleanup must go on). */
  async dropAll(): Promise<string[]> {
    const problems: string[] = [];
    for (const name of [...this.names]) {
      try {
        await withClient(SERVER_URL, (client) =>
          client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
        );
        this.names.delete(name);
      } catch (error) {
        problems.push(`${name}: ${String(error)}`);
      }
    }
    return problems;
  }

  /** Row count and an order-independent-of-storage checksum of each replicated table. */
  async checksums(nodeId: string): Promise<TableChecksums> {
    return withClient(this.urlOf(this.nameFor(nodeId)), async (client) => {
      const result: TableChecksums = {};
      for (const { table, key } of REPLICATED_TABLES) {
        // Rows as text, in key order (then by the whole row, for tables without a single key).
        const rows = await client.query<{ rows: string; md5: string | null }>(
          `SELECT count(*)::text AS rows,
                  md5(coalesce(string_agg(t::text, E'\\n' ORDER BY ${key}, t::text), '')) AS md5
             FROM ${table} t`,
        );
        result[table] = { rows: Number(rows.rows[0].rows), md5: rows.rows[0].md5 ?? '' };
      }
      return result;
    });
  }

  async appliedIndex(nodeId: string): Promise<number> {
    return withClient(this.urlOf(this.nameFor(nodeId)), async (client) => {
      const rows = await client.query<{ applied_index: string }>(
        'SELECT applied_index::text AS applied_index FROM raft_applied_state LIMIT 1',
      );
      return Number(rows.rows[0]?.applied_index ?? 0);
    });
  }

  async missions(nodeId: string): Promise<FinalMissionRow[]> {
    return withClient(this.urlOf(this.nameFor(nodeId)), async (client) => {
      const rows = await client.query<{ mission_id: string; state: string; version: string }>(
        'SELECT mission_id, state, version::text AS version FROM missions ORDER BY mission_id',
      );
      return rows.rows.map((r) => ({ ...r, version: Number(r.version) }));
    });
  }
}
