/**
 * The operation history: every client operation as an `invoke` line and then one completion line
 * (`ok`, `fail`: certainly not applied, `info`: outcome unknown), with monotonic timestamps in
 * nanoseconds since the run started (process.hrtime.bigint()), written as JSON lines as they happen
 * and kept in memory for the checks.
 *
 * The fields the linearizability checker reads are `type, process, op, key, f, input, output,
 * time`. `node` (where the request went) and `meta` (HTTP status, error, the X-Raft-* headers) are
 * for people and for the stale-read checks; they are stripped before the checker sees a line.
 */
import { createWriteStream, WriteStream } from 'node:fs';

export const MISSION_FUNCTIONS = [
  'create',
  'read',
  'dispatch',
  'pause',
  'resume',
  'cancel',
] as const;
export type MissionFunction = (typeof MISSION_FUNCTIONS)[number];

/** The actions that change a mission's state (and add one to its version). */
export const STATE_CHANGES: readonly MissionFunction[] = ['dispatch', 'pause', 'resume', 'cancel'];

export type Consistency = 'linearizable' | 'lease' | 'stale';

export interface OpInput {
  /** Reads: the consistency asked for, and `max_staleness_ms` when given. */
  readonly consistency?: Consistency;
  readonly max_staleness_ms?: number;
  /** Actions: the `If-Match` version sent. */
  readonly if_match?: number;
  /** Creates: the mission's own UAV. */
  readonly uav_id?: string;
}

/** What an `ok` returned: a mission's state and version, or that it was not found. */
export type OpOutput =
  | { readonly found: false }
  | { readonly found: true; readonly state: string; readonly version: number }
  | { readonly state: string; readonly version: number };

/** Details of a completion beyond the checker's fields. */
export interface OpMeta {
  readonly status?: number;
  readonly error?: string;
  /** X-Raft-Node, X-Raft-Term, X-Raft-Applied-Index, X-Raft-Last-Contact-Ms of the answer. */
  readonly served_by?: string;
  readonly term?: number;
  readonly applied_index?: number;
  readonly last_contact_ms?: number | 'unknown';
  /** The node's restart generation when the request was sent (an emptied database starts over). */
  readonly incarnation?: number;
}

export interface InvokeEntry {
  readonly type: 'invoke';
  readonly process: number;
  readonly op: number;
  readonly key: string;
  readonly f: MissionFunction;
  readonly input: OpInput;
  readonly time: number;
  readonly node: string;
}

export type CompletionType = 'ok' | 'fail' | 'info';

export interface CompletionEntry {
  readonly type: CompletionType;
  readonly process: number;
  readonly op: number;
  readonly output?: OpOutput;
  readonly time: number;
  readonly meta?: OpMeta;
}

export type HistoryEntry = InvokeEntry | CompletionEntry;

/** An invocation and its completion, paired (completion missing only if the run was cut short). */
export interface CompletedOp {
  readonly invoke: InvokeEntry;
  readonly completion: CompletionEntry | undefined;
}

export class HistoryWriter {
  private readonly startedAt = process.hrtime.bigint();
  private readonly out: WriteStream;
  private readonly entries: HistoryEntry[] = [];
  private readonly open = new Map<number, InvokeEntry>();
  private nextOp = 1;
  private nextProcess = 1;
  private readonly counts = { ok: 0, fail: 0, info: 0 };

  constructor(file: string) {
    this.out = createWriteStream(file, { flags: 'w' });
  }

  /** Nanoseconds since the run started, monotonic. */
  now(): number {
    return Number(process.hrtime.bigint() - this.startedAt);
  }

  /** A new logical process id: a client takes a fresh one after an `info` (it may still be running). */
  newProcess(): number {
    return this.nextProcess++;
  }

  invoke(
    processId: number,
    key: string,
    f: MissionFunction,
    input: OpInput,
    node: string,
  ): InvokeEntry {
    const entry: InvokeEntry = {
      type: 'invoke',
      process: processId,
      op: this.nextOp++,
      key,
      f,
      input,
      time: this.now(),
      node,
    };
    this.open.set(entry.op, entry);
    this.append(entry);
    return entry;
  }

  complete(invoked: InvokeEntry, type: CompletionType, output?: OpOutput, meta?: OpMeta): void {
    if (!this.open.delete(invoked.op)) throw new Error(`op ${invoked.op} completed twice`);
    this.counts[type]++;
    this.append({
      type,
      process: invoked.process,
      op: invoked.op,
      ...(output !== undefined ? { output } : {}),
      time: this.now(),
      ...(meta !== undefined ? { meta } : {}),
    });
  }

  /** Completes whatever is still open as `info` (the run was stopped mid-request). */
  abandonOpen(): void {
    for (const invoked of [...this.open.values()]) {
      this.complete(invoked, 'info', undefined, { error: 'the run ended before an answer' });
    }
  }

  get operationCounts(): { ops: number; ok: number; fail: number; info: number } {
    return { ops: this.nextOp - 1, ...this.counts };
  }

  history(): readonly HistoryEntry[] {
    return this.entries;
  }

  /** Invocations paired with their completions, in invocation order. */
  pairs(): CompletedOp[] {
    return pairOperations(this.entries);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.out.end(() => resolve()));
  }

  private append(entry: HistoryEntry): void {
    this.entries.push(entry);
    this.out.write(`${JSON.stringify(entry)}\n`);
  }
}

export function pairOperations(entries: readonly HistoryEntry[]): CompletedOp[] {
  const completions = new Map<number, CompletionEntry>();
  for (const entry of entries) if (entry.type !== 'invoke') completions.set(entry.op, entry);
  return entries
    .filter((e): e is InvokeEntry => e.type === 'invoke')
    .map((invoke) => ({ invoke, completion: completions.get(invoke.op) }));
}
