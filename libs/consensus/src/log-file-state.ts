import { EMPTY_HARD_STATE, Entry, HardState, SnapshotMetadata } from '@falconmind/raft';
import { CorruptRaftLogError, PersistedRaftState } from './log-store';
import { decodeLogFile, LogRecord } from './log-file-records';

/**
 * What the records of a log file add up to, kept in memory as they are written: the same rules as
 * the PostgreSQL store's tables (entries keyed by index; a newer snapshot only; a batch wholly
 * under the snapshot leaves the live log alone), so that both stores load the same state for the
 * same writes.
 */
export class LogFileState {
  private hardState: HardState = EMPTY_HARD_STATE;
  private snapshot: SnapshotMetadata | undefined;
  private readonly entries = new Map<number, Entry>();
  /** Bounds of the stored indexes (not necessarily all present), for range deletes. */
  private lowest = Number.POSITIVE_INFINITY;
  private highest = 0;
  /** The bytes of entry data held, to size a rewritten file. */
  private dataBytes = 0;

  /** What `records`, applied in order to an empty log, add up to. */
  static of(records: readonly LogRecord[]): LogFileState {
    const state = new LogFileState();
    for (const record of records) state.apply(record);
    return state;
  }

  apply(record: LogRecord): void {
    const installed = record.installedSnapshot;
    if (installed && this.isNewer(installed)) {
      this.snapshot = installed;
      this.deleteRange(this.lowest, this.highest);
    }
    if (record.compactedTo) {
      if (this.isNewer(record.compactedTo)) this.snapshot = record.compactedTo;
      this.deleteRange(this.lowest, record.compactedTo.index);
    }
    const { entries } = record;
    if (entries.length > 0) {
      const last = entries[entries.length - 1].index;
      for (const entry of entries) this.put(entry);
      if (last > this.snapshotIndex) this.deleteRange(last + 1, this.highest);
    }
    if (record.hardState) this.hardState = record.hardState;
  }

  /** The state `load` returns: the live log must run without holes from just after the snapshot. */
  persisted(): PersistedRaftState {
    const after = this.snapshotIndex;
    const entries: Entry[] = [];
    for (let index = after + 1; index <= this.highest; index++) {
      const entry = this.entries.get(index);
      if (!entry) {
        throw new CorruptRaftLogError(
          `the Raft log file has a hole: no entry at index ${index} (snapshot at ${after}, last ${this.highest})`,
        );
      }
      entries.push(entry);
    }
    return this.snapshot
      ? { hardState: this.hardState, snapshot: this.snapshot, entries }
      : { hardState: this.hardState, entries };
  }

  /** One record that rebuilds this state from nothing: the head of a rewritten file. */
  asRecord(): LogRecord {
    const { hardState, snapshot, entries } = this.persisted();
    return snapshot ? { installedSnapshot: snapshot, entries, hardState } : { entries, hardState };
  }

  /** Roughly the bytes a rewritten file would take. */
  get liveBytes(): number {
    return this.dataBytes + this.entries.size * 32;
  }

  private get snapshotIndex(): number {
    return this.snapshot?.index ?? 0;
  }

  /** No snapshot stands for the empty one at index 0, which is never newer. */
  private isNewer(metadata: SnapshotMetadata): boolean {
    return metadata.index > 0 && metadata.index > this.snapshotIndex;
  }

  private put(entry: Entry): void {
    const previous = this.entries.get(entry.index);
    if (previous) this.dataBytes -= previous.data.length;
    this.entries.set(entry.index, entry);
    this.dataBytes += entry.data.length;
    if (entry.index < this.lowest) this.lowest = entry.index;
    if (entry.index > this.highest) this.highest = entry.index;
  }

  private deleteRange(from: number, to: number): void {
    if (this.entries.size === 0 || from > to) return;
    const start = Math.max(from, this.lowest);
    const end = Math.min(to, this.highest);
    for (let index = start; index <= end; index++) {
      const entry = this.entries.get(index);
      if (entry) {
        this.dataBytes -= entry.data.length;
        this.entries.delete(index);
      }
    }
    if (this.entries.size === 0) {
      this.lowest = Number.POSITIVE_INFINITY;
      this.highest = 0;
      return;
    }
    // Move a bound the range reached to the nearest entry still stored.
    if (start <= this.lowest) {
      this.lowest = end + 1;
      while (!this.entries.has(this.lowest)) this.lowest++;
    }
    if (end >= this.highest) {
      this.highest = start - 1;
      while (!this.entries.has(this.highest)) this.highest--;
    }
  }
}

/**
 * The state a log file's bytes hold, up to any torn tail: for tools and tests that read a node's
 * log while it runs (the file only grows between rewrites, so a read sees a prefix of it).
 */
export function readLogFile(bytes: Buffer): PersistedRaftState {
  return LogFileState.of(decodeLogFile(bytes).records).persisted();
}

/** One record that rebuilds `state` from nothing. */
export function recordOf(state: PersistedRaftState): LogRecord {
  return {
    ...(state.snapshot ? { installedSnapshot: state.snapshot } : {}),
    entries: state.entries,
    hardState: state.hardState,
  };
}
