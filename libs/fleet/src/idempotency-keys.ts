import type { EntityManager } from 'typeorm';
import { canonicalJson, sha256Hex } from './canonical-json';
import type { FleetCommand } from './commands';
import { FleetApplyOutcome, rejected } from './rejection';
import { inApiKeyOrder } from './rows';

/**
 * Idempotency keys are kept for this many log entries after the command that used them, then
 * pruned (by log index, so every node prunes the same keys at the same index).
 */
export const IDEMPOTENCY_RETENTION_ENTRIES = 1_000_000;

/** A processed request, as `fleet_idempotency` keeps it. */
export interface StoredRequest {
  readonly command_hash: string;
  readonly outcome: { result: unknown };
  readonly applied_index: number;
}

/**
 * What identifies a request: the command without the proposer's time and the key itself. For a
 * CreateMission it is also the mission's `create_hash` (the same fields), so it is computed once.
 */
export function requestHash(command: FleetCommand): string {
  const { at: _at, ...rest } = command;
  const { idempotency_key: _key, ...request } = rest as typeof rest & { idempotency_key?: string };
  return sha256Hex(canonicalJson(request));
}

/** The answer to a request whose key was used before: the stored result, or a conflict. */
export function answerFromStore(
  command: FleetCommand,
  key: string,
  hash: string,
  stored: StoredRequest,
): FleetApplyOutcome {
  if (stored.command_hash !== hash) {
    return rejected('conflict', `idempotency key ${key} was already used for a different request.`);
  }
  const kind = command.type === 'RegisterUav' ? 'uav' : 'mission';
  return { status: 'applied', result: inApiKeyOrder(kind, stored.outcome.result), replayed: true };
}

interface StoredRequestRow {
  key: string;
  command_hash: string;
  outcome: { result: unknown };
  applied_index: string;
}

const SELECT_STORED = 'SELECT key, command_hash, outcome, applied_index FROM fleet_idempotency';

/**
 * The idempotency keys of a run of commands: read in one SELECT at the start, written in one
 * INSERT (and one prune) at the end. A key used a second time within the run is the rare case: the
 * held-back rows are written first and the key read back, so its answer is the stored row's, byte
 * for byte, as entry-by-entry application gives it. Pruning is followed as it would happen: a row
 * at or below the highest bound reached so far is gone.
 */
export class RunIdempotencyKeys {
  private readonly read = new Map<string, StoredRequest | undefined>();
  private readonly held = new Map<string, { hash: string; outcome: string; index: number }>();
  private pruneBound = -Infinity;
  private pendingPrune = false;

  async prefetch(db: EntityManager, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const rows = await db.query<StoredRequestRow[]>(
      `${SELECT_STORED} WHERE key = ANY($1::text[])`,
      [keys],
    );
    for (const key of keys) this.read.set(key, undefined);
    for (const row of rows) this.read.set(row.key, toStored(row));
  }

  /** The key was recorded earlier in this run (its row is held back). */
  isHeld(key: string): boolean {
    return this.held.has(key);
  }

  /** A stored row that a prune by an earlier command of the run could remove before `index`. */
  mayBePrunedBy(key: string, index: number): boolean {
    const stored = this.read.get(key);
    return stored !== undefined && stored.applied_index <= index - IDEMPOTENCY_RETENTION_ENTRIES;
  }

  /** The stored request under `key`, as `SELECT … WHERE key = $1` would find it now. */
  async lookup(db: EntityManager, key: string): Promise<StoredRequest | undefined> {
    if (this.held.has(key) || !this.read.has(key)) {
      await this.flush(db);
      const rows = await db.query<StoredRequestRow[]>(`${SELECT_STORED} WHERE key = $1`, [key]);
      this.read.set(key, rows.length === 0 ? undefined : toStored(rows[0]));
    }
    const stored = this.read.get(key);
    return stored !== undefined && stored.applied_index > this.pruneBound ? stored : undefined;
  }

  /** What an applied keyed command stores, and the prune that follows it, held back. */
  record(key: string, hash: string, result: unknown, index: number): void {
    this.held.set(key, {
      hash,
      outcome: JSON.stringify({ status: 'applied', result }),
      index,
    });
    this.pruneBound = Math.max(this.pruneBound, index - IDEMPOTENCY_RETENTION_ENTRIES);
    this.pendingPrune = true;
  }

  /** Prunes, then stores the held rows that survive the pruning. */
  async flush(db: EntityManager): Promise<void> {
    // Log indexes start at 1: a bound below that (the first million entries) has nothing to take.
    if (this.pendingPrune && this.pruneBound >= 1) {
      await db.query('DELETE FROM fleet_idempotency WHERE applied_index <= $1', [this.pruneBound]);
    }
    this.pendingPrune = false;
    const rows = [...this.held].filter(([, row]) => row.index > this.pruneBound);
    // A written key is read back when it is next looked up: its stored row is what answers.
    for (const key of this.held.keys()) this.read.delete(key);
    this.held.clear();
    if (rows.length === 0) return;
    await db.query(
      `INSERT INTO fleet_idempotency (key, command_hash, outcome, applied_index)
       SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::bigint[])`,
      [
        rows.map(([key]) => key),
        rows.map(([, row]) => row.hash),
        rows.map(([, row]) => row.outcome),
        rows.map(([, row]) => row.index),
      ],
    );
  }
}

function toStored(row: StoredRequestRow): StoredRequest {
  return {
    command_hash: row.command_hash,
    outcome: row.outcome,
    applied_index: Number(row.applied_index),
  };
}
