import { ConfState, EMPTY_HARD_STATE, Entry, HardState, SnapshotMetadata } from '@falconmind/raft';
import { DataSource, EntityManager } from 'typeorm';

import { RaftHardStateEntity } from './entities/raft-hard-state.entity';
import {
  bigintToNumber,
  ENTRY_TYPE_CODE,
  entryTypeOfCode,
  RaftLogEntryEntity,
} from './entities/raft-log-entry.entity';
import { RaftSnapshotEntity } from './entities/raft-snapshot.entity';
import {
  checkContiguous,
  CorruptRaftLogError,
  PersistedRaftState,
  RaftLogStore,
  RaftWriteBatch,
} from './log-store';

/**
 * The entities describing the store's tables, for a DataSource or TypeOrmModule to register. The
 * store itself works in plain SQL and does not need them registered.
 */
export const RAFT_LOG_STORE_ENTITIES = [
  RaftLogEntryEntity,
  RaftHardStateEntity,
  RaftSnapshotEntity,
] as const;

export { CorruptRaftLogError } from './log-store';

/** The id of the one row of `raft_hard_state` and of `raft_snapshot`. */
const SINGLE_ROW_ID = 1;

/** Parameters per entry in the log INSERT. */
const ENTRY_COLUMNS = 4;
/**
 * Entries per INSERT statement. PostgreSQL takes at most 65535 parameters per statement; batches
 * this size keep statements (and their parse) small while a typical Ready fits in one.
 */
const ENTRIES_PER_INSERT = Math.floor(5000 / ENTRY_COLUMNS);

/**
 * Deletes the stored entries after $1, the last index of a batch being written (a conflicting
 * suffix), unless the batch lies wholly under the snapshot: such a batch leaves the live log alone
 * (as MemoryStorage's `append` ignores it), and its rows, which `load` never returns and the next
 * compaction removes, merely overwrite rows under the snapshot.
 */
function deleteEntriesAfter(parameter: number): string {
  return `
  DELETE FROM "raft_log"
  WHERE "index" > $${parameter}
    AND $${parameter} > (SELECT COALESCE(MAX("index"), 0) FROM "raft_snapshot")`;
}
const DELETE_ENTRIES_UP_TO = `DELETE FROM "raft_log" WHERE "index" <= $1`;
const DELETE_ALL_ENTRIES = `DELETE FROM "raft_log"`;

/** The hard state's upsert, its parameters numbered from `first`. */
function upsertHardState(first: number): string {
  return `
  INSERT INTO "raft_hard_state" ("id", "term", "vote", "commit")
    VALUES (${SINGLE_ROW_ID}, $${first}, $${first + 1}, $${first + 2})
  ON CONFLICT ("id") DO UPDATE
    SET "term" = EXCLUDED."term", "vote" = EXCLUDED."vote", "commit" = EXCLUDED."commit"`;
}

/**
 * Records a snapshot unless the stored one is at least as recent (as MemoryStorage ignores an older
 * snapshot). Returns a row only when it wrote one.
 */
const UPSERT_NEWER_SNAPSHOT = `
  INSERT INTO "raft_snapshot" ("id", "index", "term", "conf_state")
    VALUES (${SINGLE_ROW_ID}, $1, $2, $3::jsonb)
  ON CONFLICT ("id") DO UPDATE
    SET "index" = EXCLUDED."index", "term" = EXCLUDED."term", "conf_state" = EXCLUDED."conf_state"
    WHERE "raft_snapshot"."index" < EXCLUDED."index"
  RETURNING "index"`;

// Reads are plain SQL too: hydrating entities costs several times as much on a long log.
const SELECT_HARD_STATE = `SELECT "term", "vote", "commit" FROM "raft_hard_state" WHERE "id" = ${SINGLE_ROW_ID}`;
const SELECT_SNAPSHOT = `SELECT "index", "term", "conf_state" FROM "raft_snapshot" WHERE "id" = ${SINGLE_ROW_ID}`;
const SELECT_ENTRIES_AFTER = `
  SELECT "index", "term", "type", "data" FROM "raft_log" WHERE "index" > $1 ORDER BY "index"`;

/** Rows as pg returns them: bigint as a string, bytea as a Buffer, jsonb parsed. */
interface HardStateRow {
  readonly term: string;
  readonly vote: string;
  readonly commit: string;
}

interface SnapshotRow {
  readonly index: string;
  readonly term: string;
  readonly conf_state: ConfState;
}

interface EntryRow {
  readonly index: string;
  readonly term: string;
  readonly type: number;
  readonly data: Buffer;
}

type Statement = readonly [sql: string, parameters: unknown[]];

/**
 * The Raft log, hard state and snapshot metadata in the node's PostgreSQL database, in the tables of
 * the CreateRaftLogStore migration. Writes are plain parameterized SQL, one transaction per call;
 * `persist` is the group-commit hot path, so a Ready's entries and hard state go in one statement,
 * without an explicit BEGIN/COMMIT, unless there are too many entries for one statement or a
 * snapshot to install.
 *
 * Calls may overlap (a `compact` while a `persist` is in flight): each is its own transaction, and
 * `load` ignores any entry at or below the snapshot index, so a late write under the snapshot is
 * harmless.
 */
export class TypeormLogStore implements RaftLogStore {
  constructor(private readonly dataSource: DataSource) {}

  async load(): Promise<PersistedRaftState> {
    // One snapshot of the three tables, even if a write commits meanwhile.
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const [hardStateRow] = await manager.query<HardStateRow[]>(SELECT_HARD_STATE);
      const [snapshotRow] = await manager.query<SnapshotRow[]>(SELECT_SNAPSHOT);
      const snapshot = snapshotRow && toSnapshotMetadata(snapshotRow);
      const after = snapshot?.index ?? 0;
      const entryRows = await manager.query<EntryRow[]>(SELECT_ENTRIES_AFTER, [after]);

      const entries = entryRows.map(toEntry);
      checkLoadedLog(after, entries);
      const hardState = hardStateRow ? toHardState(hardStateRow) : EMPTY_HARD_STATE;
      return snapshot ? { hardState, snapshot, entries } : { hardState, entries };
    });
  }

  async persist(batch: RaftWriteBatch): Promise<void> {
    checkContiguous(batch.entries);
    const snapshot = batch.installedSnapshot;
    if (!snapshot && batch.entries.length <= ENTRIES_PER_INSERT) {
      // The hot path: the whole Ready as one statement, which is its own transaction: one round
      // trip and one commit (one WAL flush), where BEGIN, three statements and COMMIT took five.
      const statement = singleStatement(batch.entries, batch.hardState);
      if (statement) await this.dataSource.query(statement[0], statement[1]);
      return;
    }
    await this.dataSource.transaction(async (manager) => {
      if (snapshot && (await upsertNewerSnapshot(manager, snapshot))) {
        await manager.query(DELETE_ALL_ENTRIES);
      }
      for (const [sql, parameters] of statementsOf(batch)) await manager.query(sql, parameters);
    });
  }

  async compact(metadata: SnapshotMetadata): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await upsertNewerSnapshot(manager, metadata);
      await manager.query(DELETE_ENTRIES_UP_TO, [metadata.index]);
    });
  }
}

function toHardState(row: HardStateRow): HardState {
  return { term: bigintToNumber(row.term), vote: row.vote, commit: bigintToNumber(row.commit) };
}

function toSnapshotMetadata(row: SnapshotRow): SnapshotMetadata {
  return {
    index: bigintToNumber(row.index),
    term: bigintToNumber(row.term),
    confState: { voters: [...row.conf_state.voters], learners: [...row.conf_state.learners] },
  };
}

function toEntry(row: EntryRow): Entry {
  return {
    index: bigintToNumber(row.index),
    term: bigintToNumber(row.term),
    type: entryTypeOfCode(row.type),
    // A plain copy: pg's Buffer may be a view into a shared pool.
    data: new Uint8Array(row.data),
  };
}

/**
 * Writes the snapshot row if `metadata` is newer than the stored one; true if it did. No row stands
 * for the empty snapshot at index 0, so a snapshot at index 0 is never newer.
 */
async function upsertNewerSnapshot(
  manager: EntityManager,
  metadata: SnapshotMetadata,
): Promise<boolean> {
  if (metadata.index <= 0) return false;
  const confState = { voters: metadata.confState.voters, learners: metadata.confState.learners };
  const written: unknown[] = await manager.query(UPSERT_NEWER_SNAPSHOT, [
    metadata.index,
    metadata.term,
    JSON.stringify(confState),
  ]);
  return written.length > 0;
}

/**
 * One statement writing `entries` (at most ENTRIES_PER_INSERT of them) and the hard state: the
 * entries overwrite any stored at their indexes, the stored ones after them (a conflicting suffix)
 * are deleted. The parts touch different rows, so running them in one statement is safe.
 */
function singleStatement(
  entries: readonly Entry[],
  hardState: HardState | undefined,
): Statement | undefined {
  if (entries.length === 0) {
    if (!hardState) return undefined;
    return [upsertHardState(1), [hardState.term, hardState.vote, hardState.commit]];
  }
  const [insert, parameters] = upsertEntries(entries);
  parameters.push(entries[entries.length - 1].index);
  const parts = [`"stale_suffix" AS (${deleteEntriesAfter(parameters.length)})`];
  if (hardState) {
    parts.push(`"hard_state" AS (${upsertHardState(parameters.length + 1)})`);
    parameters.push(hardState.term, hardState.vote, hardState.commit);
  }
  return [`WITH ${parts.join(', ')} ${insert}`, parameters];
}

/** The statements of a batch too large for one, to run in order inside a transaction. */
function statementsOf(batch: RaftWriteBatch): Statement[] {
  const statements: Statement[] = [];
  const { entries, hardState } = batch;
  for (let start = 0; start < entries.length; start += ENTRIES_PER_INSERT) {
    statements.push(upsertEntries(entries.slice(start, start + ENTRIES_PER_INSERT)));
  }
  if (entries.length > 0) {
    statements.push([deleteEntriesAfter(1), [entries[entries.length - 1].index]]);
  }
  if (hardState) {
    statements.push([upsertHardState(1), [hardState.term, hardState.vote, hardState.commit]]);
  }
  return statements;
}

/** One multi-row INSERT of `entries`, replacing any entry stored at the same index. */
function upsertEntries(entries: readonly Entry[]): [sql: string, parameters: unknown[]] {
  const rows: string[] = [];
  const parameters: unknown[] = [];
  for (const entry of entries) {
    const n = parameters.length;
    rows.push(`($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4})`);
    parameters.push(
      entry.index,
      entry.term,
      ENTRY_TYPE_CODE[entry.type],
      // pg sends a Buffer as binary; this one shares the entry's memory.
      Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength),
    );
  }
  const sql = `INSERT INTO "raft_log" ("index", "term", "type", "data") VALUES ${rows.join(', ')}
    ON CONFLICT ("index") DO UPDATE
      SET "term" = EXCLUDED."term", "type" = EXCLUDED."type", "data" = EXCLUDED."data"`;
  return [sql, parameters];
}

/** The log read back must start right after the snapshot and have no holes. */
function checkLoadedLog(snapshotIndex: number, entries: readonly Entry[]): void {
  let expected = snapshotIndex + 1;
  for (const entry of entries) {
    if (entry.index !== expected) {
      throw new CorruptRaftLogError(
        `raft_log has a hole: expected index ${expected}, found ${entry.index} (snapshot at ${snapshotIndex})`,
      );
    }
    expected++;
  }
}
