import type { FleetQueryable } from '@falconmind/fleet';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';

/**
 * How many distinct statements are prepared (per connection). The read side's SQL texts are a
 * small fixed set (one per combination of list filters); the bound only guards against a caller
 * that builds its SQL from data.
 */
const MAX_PREPARED_STATEMENTS = 64;

/**
 * The fleet read side on the API's connection pool, bypassing TypeORM's per-query work (a query
 * runner, a broadcaster, logging) and preparing each statement once per connection, so that
 * PostgreSQL parses and plans a read once instead of on every request. Reads only: writes go
 * through Raft and the state machine's own DataSource.
 */
export class PreparedReads implements FleetQueryable {
  private readonly statementNames = new Map<string, string>();

  constructor(private readonly dataSource: DataSource) {}

  async query<T = unknown>(sql: string, parameters?: unknown[]): Promise<T> {
    const pool = this.pool();
    // Not a PostgreSQL pool (or the DataSource is closing): TypeORM's way, unprepared.
    if (!pool) return this.dataSource.query<T>(sql, parameters);
    const name = this.statementName(sql);
    const result = await pool.query({ name, text: sql, values: parameters });
    return result.rows as T;
  }

  /** The pool TypeORM's PostgreSQL driver holds (looked up per query: it is replaced on reconnect). */
  private pool(): Pool | undefined {
    const master: unknown = (this.dataSource.driver as { master?: unknown }).master;
    if (typeof master !== 'object' || master === null) return undefined;
    return typeof (master as Partial<Pool>).query === 'function' ? (master as Pool) : undefined;
  }

  private statementName(sql: string): string | undefined {
    let name = this.statementNames.get(sql);
    if (name === undefined && this.statementNames.size < MAX_PREPARED_STATEMENTS) {
      name = `fleet_read_${this.statementNames.size + 1}`;
      this.statementNames.set(sql, name);
    }
    return name;
  }
}
