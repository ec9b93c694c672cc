import { decodeConfChange, Entry } from '@falconmind/raft';
import type { PoolClient } from 'pg';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { ApplyTransaction, CommitTail } from './apply-transaction';
import { ClusterMember, decodeMemberAddress } from './cluster-members';
import { END_OF_ROWS, TableLine, copyTableIn, copyTableOut, quoteIdentifier } from './copy-image';
import { decodeEnvelope, ProposalEnvelope } from './proposal-envelope';
import { ApplyOutcome, StateMachine } from './state-machine';

/**
 * The application's part of the replicated state: what a normal (command) entry does. The fleet
 * domain provides one; the tables it lists are copied whole into snapshots and restored from them.
 */
export interface CommandApplier {
  /** Tables holding this applier's replicated state, in an order safe for inserts (parents first). */
  readonly tables: readonly string[];
  /** Applies one command inside the batch's transaction. Must not read clocks or randomness. */
  apply(manager: EntityManager, entry: Entry, envelope: ProposalEnvelope): Promise<ApplyOutcome>;
  /**
   * Optional: applies a run of consecutive commands (no membership change among them) inside the
   * batch's transaction, with the outcomes in the same order: exactly what `apply`, called for each
   * in turn, would do and give. It lets an applier spend a few statements on a run of commands
   * (one multi-row INSERT for a run of creates) where `apply` spends a few on each: the round trips
   * to PostgreSQL per entry are what limits the apply rate (docs/performance.md). Statements whose
   * results nothing reads may go to `atCommit` instead of `manager`.
   */
  applyRun?(
    manager: EntityManager,
    commands: readonly CommittedCommand[],
    atCommit: CommitTail,
  ): Promise<readonly ApplyOutcome[]>;
  /**
   * Optional: drops what the applier keeps in memory about its tables. Called when they may have
   * changed without it: a batch rolled back, a snapshot installed.
   */
  discardCaches?(): void;
}

/** A command entry and its decoded envelope. */
export interface CommittedCommand {
  readonly entry: Entry;
  readonly envelope: ProposalEnvelope;
}

/** The tables of the node's own replicated state. */
const NODE_TABLES = ['cluster_members'] as const;

/**
 * The first line of an image. Format 3 (written now): per table, a `{"table", "columns"}` line, the
 * rows in COPY text format, and `\.` (copy-image.ts). Format 2 (still read, from nodes of an older
 * release): per batch of rows, a `{"table", "rows": [...]}` line of JSON.
 */
interface SnapshotHeader {
  readonly format: number;
  readonly index: number;
  readonly tables: readonly string[];
}

const SNAPSHOT_FORMAT = 3;
const JSON_ROWS_FORMAT = 2;

const encoder = new TextEncoder();

/** Every line of a UTF-8 byte stream, without its line feed (a COPY row may be blank). */
async function* imageLines(image: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of image) {
    pending += decoder.decode(chunk, { stream: true });
    let start = 0;
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      yield pending.slice(start, newline);
      start = newline + 1;
      newline = pending.indexOf('\n', start);
    }
    pending = pending.slice(start);
  }
  pending += decoder.decode();
  if (pending !== '') yield pending;
}

/** The next line that is not blank, or undefined at the end of the image. */
async function nextNonBlank(lines: AsyncIterator<string>): Promise<string | undefined> {
  for (;;) {
    const next = await lines.next();
    if (next.done) return undefined;
    if (next.value.trim() !== '') return next.value;
  }
}

/** The lines of one table's COPY rows, up to its end line (an image cut short is refused). */
async function* rowsOfSection(lines: AsyncIterator<string>, table: string): AsyncIterable<string> {
  for (;;) {
    const next = await lines.next();
    if (next.done) throw new Error(`snapshot image ends inside the rows of ${table}`);
    if (next.value === END_OF_ROWS) return;
    yield next.value;
  }
}

/**
 * The node's state machine in its PostgreSQL database. Each batch of committed entries is applied in
 * one transaction that also moves the applied index, so a crash can neither skip nor repeat one.
 * Membership changes keep the `cluster_members` table (who, with what address); commands go to the
 * application's {@link CommandApplier}.
 */
export class TypeormStateMachine implements StateMachine {
  constructor(
    private readonly dataSource: DataSource,
    private readonly applier?: CommandApplier,
  ) {}

  async appliedIndex(): Promise<number> {
    const rows = await this.dataSource.query<Array<{ applied_index: string }>>(
      'SELECT applied_index FROM raft_applied_state WHERE id = 1',
    );
    return rows.length === 0 ? 0 : Number(rows[0].applied_index);
  }

  async apply(
    entries: readonly Entry[],
    decided?: (outcomes: readonly ApplyOutcome[]) => void,
  ): Promise<readonly ApplyOutcome[]> {
    if (entries.length === 0) return [];
    return this.inApplyTransaction(
      entries[entries.length - 1].index,
      async (manager, atCommit) => {
        const outcomes: ApplyOutcome[] = [];
        let run: Array<{ command: CommittedCommand; at: number }> = [];
        const flushRun = async (): Promise<void> => {
          if (run.length === 0) return;
          const results = await this.applyCommands(
            manager,
            run.map(({ command }) => command),
            atCommit,
          );
          run.forEach(({ at }, i) => (outcomes[at] = results[i]));
          run = [];
        };
        for (const entry of entries) {
          const envelope = entry.type === 'normal' ? decodeEnvelope(entry.data) : undefined;
          if (envelope && this.applier) {
            run.push({ command: { entry, envelope }, at: outcomes.length });
            outcomes.push({ status: 'applied' });
            continue;
          }
          if (entry.type === 'conf-change') {
            await flushRun();
            await applyMembershipChange(manager, entry);
          }
          // An entry without a command (a new leader's first) changes nothing and ends no run.
          outcomes.push({ status: 'applied' });
        }
        await flushRun();
        return outcomes;
      },
      decided,
    );
  }

  /**
   * Runs `work` in one transaction that also sets the applied index to `appliedIndex`: the index is
   * known before the work, so its upsert opens the transaction, with `BEGIN`, in the round trip of
   * the work's first query (`ApplyTransaction`; the index is an integer of ours, never a client's).
   * The statements `work` leaves to the commit go with the `COMMIT`, in its round trip; `decided`
   * hears what `work` gave as that round trip starts. On any error the transaction is rolled back
   * and the error rethrown (the driver then stops).
   */
  private async inApplyTransaction<T>(
    appliedIndex: number,
    work: (manager: EntityManager, atCommit: CommitTail) => Promise<T>,
    decided?: (result: T) => void,
  ): Promise<T> {
    if (!Number.isSafeInteger(appliedIndex) || appliedIndex < 0) {
      throw new Error(`cannot record applied index ${appliedIndex}`);
    }
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    const transaction = new ApplyTransaction(runner, this.dataSource, [
      upsertAppliedIndexSql(String(appliedIndex)),
    ]);
    try {
      const result = await work(transaction.manager, transaction);
      const committing = transaction.commit();
      decided?.(result);
      await committing;
      return result;
    } catch (error) {
      this.applier?.discardCaches?.();
      await transaction.rollback();
      throw error;
    } finally {
      await runner.release();
    }
  }

  async members(): Promise<ClusterMember[]> {
    const rows = await this.dataSource.query<MemberRow[]>(
      'SELECT node_id, role, address, http_port, raft_port, changed_index FROM cluster_members ORDER BY node_id',
    );
    return rows.map(toMember);
  }

  /**
   * Streams a consistent copy of every replicated table at the applied index: one repeatable-read
   * transaction, each table copied out with `COPY … TO STDOUT` (copy-image.ts) after a JSON header
   * line. Memory stays bounded by one chunk.
   */
  async snapshot(sink: (chunk: Uint8Array) => Promise<void>): Promise<number> {
    const runner = this.dataSource.createQueryRunner();
    const client = await pgClientOf(runner);
    try {
      await runner.startTransaction('REPEATABLE READ');
      const applied = (await runner.query(
        'SELECT applied_index FROM raft_applied_state WHERE id = 1',
      )) as Array<{ applied_index: string }>;
      const index = applied.length === 0 ? 0 : Number(applied[0].applied_index);
      const tables = this.tables();
      const header: SnapshotHeader = { format: SNAPSHOT_FORMAT, index, tables };
      await sink(encoder.encode(`${JSON.stringify(header)}\n`));
      for (const table of tables) await copyTableOut(client, table, sink);
      await runner.commitTransaction();
      return index;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
  }

  /** Replaces every replicated table with the image's rows, in one transaction, streamed. */
  async restore(index: number, image: AsyncIterable<Uint8Array>): Promise<void> {
    const tables = this.tables();
    try {
      await this.installImage(index, image, tables);
    } finally {
      // Whether the install committed or failed, the tables are no longer what the applier knew
      // (nothing applies while an image is installed, so dropping it afterwards is enough).
      this.applier?.discardCaches?.();
    }
  }

  private async installImage(
    index: number,
    image: AsyncIterable<Uint8Array>,
    tables: readonly string[],
  ): Promise<void> {
    const lines = imageLines(image);
    try {
      await this.installLines(index, lines, tables);
    } finally {
      // Lets the image's source close (a file handle) when the install stopped part way.
      await lines.return(undefined);
    }
  }

  private async installLines(
    index: number,
    lines: AsyncGenerator<string>,
    tables: readonly string[],
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const first = await nextNonBlank(lines);
      if (first === undefined) throw new Error('snapshot image is empty');
      const header = JSON.parse(first) as SnapshotHeader;
      const known = header.format === SNAPSHOT_FORMAT || header.format === JSON_ROWS_FORMAT;
      if (!known || header.index !== index) {
        throw new Error(
          `snapshot image (format ${header.format}, index ${header.index}) does not match index ${index}`,
        );
      }
      for (const table of [...tables].reverse())
        await manager.query(`DELETE FROM ${quoteIdentifier(table)}`);
      const refuseUnknown = (table: string) => {
        if (!tables.includes(table))
          throw new Error(`snapshot image holds rows of an unknown table ${table}`);
      };
      if (header.format === JSON_ROWS_FORMAT) await insertJsonRows(manager, lines, refuseUnknown);
      else await copyRowsIn(manager, lines, refuseUnknown);
      await setAppliedIndex(manager, index);
    });
  }

  private tables(): string[] {
    return [...NODE_TABLES, ...(this.applier?.tables ?? [])];
  }

  /** A run of consecutive commands: in one call if the applier takes runs, else one by one. */
  private async applyCommands(
    manager: EntityManager,
    commands: readonly CommittedCommand[],
    atCommit: CommitTail,
  ): Promise<readonly ApplyOutcome[]> {
    const applier = this.applier;
    if (!applier) return commands.map(() => ({ status: 'applied' }));
    if (applier.applyRun) {
      const outcomes = await applier.applyRun(manager, commands, atCommit);
      if (outcomes.length !== commands.length) {
        throw new Error(
          `the applier gave ${outcomes.length} outcomes for a run of ${commands.length} commands`,
        );
      }
      return outcomes;
    }
    const outcomes: ApplyOutcome[] = [];
    for (const { entry, envelope } of commands)
      outcomes.push(await applier.apply(manager, entry, envelope));
    return outcomes;
  }
}

interface MemberRow {
  node_id: string;
  role: 'voter' | 'learner';
  address: string | null;
  http_port: number | null;
  raft_port: number | null;
  changed_index: string;
}

function toMember(row: MemberRow): ClusterMember {
  return {
    nodeId: row.node_id,
    role: row.role,
    address: row.address ?? undefined,
    httpPort: row.http_port ?? undefined,
    raftPort: row.raft_port ?? undefined,
    changedIndex: Number(row.changed_index),
  };
}

/**
 * Mirrors a membership change into `cluster_members`, the way the core reads it: a change that does
 * not fit the membership (adding a voter as a learner) leaves the row as it is.
 */
async function applyMembershipChange(manager: EntityManager, entry: Entry): Promise<void> {
  const change = decodeConfChange(entry.data);
  if (change.type === 'remove-node') {
    await manager.query('DELETE FROM cluster_members WHERE node_id = $1', [change.nodeId]);
    return;
  }
  const address = decodeMemberAddress(change.context);
  const existing = await manager.query<Array<{ role: string }>>(
    'SELECT role FROM cluster_members WHERE node_id = $1',
    [change.nodeId],
  );
  if (change.type === 'add-learner' && existing[0]?.role === 'voter') return;
  const role = change.type === 'add-voter' ? 'voter' : 'learner';
  await manager.query(
    `INSERT INTO cluster_members (node_id, role, address, http_port, raft_port, changed_index)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (node_id) DO UPDATE SET
       role = EXCLUDED.role,
       address = COALESCE(EXCLUDED.address, cluster_members.address),
       http_port = COALESCE(EXCLUDED.http_port, cluster_members.http_port),
       raft_port = COALESCE(EXCLUDED.raft_port, cluster_members.raft_port),
       changed_index = EXCLUDED.changed_index`,
    [
      change.nodeId,
      role,
      address?.address ?? null,
      address?.httpPort ?? null,
      address?.raftPort ?? null,
      entry.index,
    ],
  );
}

/** The statement that records the applied index, given as SQL: `$1`, or an integer of ours. */
function upsertAppliedIndexSql(index: string): string {
  return `INSERT INTO raft_applied_state (id, applied_index) VALUES (1, ${index})
     ON CONFLICT (id) DO UPDATE SET applied_index = EXCLUDED.applied_index`;
}

async function setAppliedIndex(manager: EntityManager, index: number): Promise<void> {
  await manager.query(upsertAppliedIndexSql('$1'), [index]);
}

/** The rest of a format 3 image: per table, its line, then its rows by `COPY … FROM STDIN`. */
async function copyRowsIn(
  manager: EntityManager,
  lines: AsyncIterator<string>,
  refuseUnknown: (table: string) => void,
): Promise<void> {
  if (!manager.queryRunner) throw new Error('a transaction without a query runner');
  const client = await pgClientOf(manager.queryRunner);
  for (let line = await nextNonBlank(lines); line !== undefined; line = await nextNonBlank(lines)) {
    const section = JSON.parse(line) as TableLine;
    refuseUnknown(section.table);
    await copyTableIn(client, section, rowsOfSection(lines, section.table));
  }
}

/** The rest of a format 2 image: lines of rows in JSON, one INSERT each. */
async function insertJsonRows(
  manager: EntityManager,
  lines: AsyncIterator<string>,
  refuseUnknown: (table: string) => void,
): Promise<void> {
  for (let line = await nextNonBlank(lines); line !== undefined; line = await nextNonBlank(lines)) {
    const batch = rowsLine(line);
    refuseUnknown(batch.table);
    const name = quoteIdentifier(batch.table);
    await manager.query(
      `INSERT INTO ${name} SELECT * FROM json_populate_recordset(NULL::${name}, $1::json)`,
      [batch.rowsJson],
    );
  }
}

/** The pg connection under a query runner (COPY goes around TypeORM, on the same connection). */
async function pgClientOf(runner: QueryRunner): Promise<PoolClient> {
  return (await runner.connect()) as PoolClient;
}

/** A line of rows as format 2 wrote it: the table's name first, then the rows' JSON array. */
const ROWS_LINE = /^\{"table":"([a-z_][a-z0-9_]*)","rows":(\[[\s\S]*\])\}$/;

/**
 * The table and the JSON text of the rows of one image line. PostgreSQL parses the rows anyway, so
 * they are handed over as the text they came in, not parsed and serialised again here (a line
 * holds SNAPSHOT_BATCH_ROWS rows; an image of 100,000 missions, 200 lines). A line in another
 * layout is parsed in full.
 */
function rowsLine(line: string): { table: string; rowsJson: string } {
  const match = ROWS_LINE.exec(line);
  if (match) return { table: match[1], rowsJson: match[2] };
  const batch = JSON.parse(line) as { table: string; rows: unknown[] };
  return { table: batch.table, rowsJson: JSON.stringify(batch.rows) };
}
