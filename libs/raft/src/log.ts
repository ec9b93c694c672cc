import { CompactedError, RaftInvariantError, UnavailableError } from './errors';
import { UnstableLog } from './log-unstable';
import { Storage } from './storage';
import { Entry, Snapshot } from './types';

/** Sum of the data bytes of `entries`: the measure of message and in-flight limits. */
export function entriesSize(entries: readonly Entry[]): number {
  let size = 0;
  for (const entry of entries) size += entry.data.byteLength;
  return size;
}

/**
 * The node's view of its log: what storage holds (persisted) followed by what is unstable (accepted,
 * not yet persisted), with the commit and applied marks. (etcd's raftLog.)
 */
export class RaftLog {
  readonly unstable: UnstableLog;
  committed: number;
  /** Highest index handed to the host for applying and acknowledged by `advance`. */
  applied: number;

  constructor(readonly storage: Storage) {
    this.unstable = new UnstableLog(storage.lastIndex() + 1);
    // The snapshot's prefix is applied by definition. Entries after it are handed out again after a
    // restart; the host skips those its state machine already has (it stores its applied index).
    this.committed = storage.firstIndex() - 1;
    this.applied = storage.firstIndex() - 1;
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  lastTerm(): number {
    const term = this.term(this.lastIndex());
    if (term === undefined)
      throw new RaftInvariantError(`no term for the last index ${this.lastIndex()}`);
    return term;
  }

  /** Term at `index`, or undefined if it is compacted or past the end. */
  term(index: number): number | undefined {
    if (index < this.firstIndex() - 1 || index > this.lastIndex()) return undefined;
    const unstableTerm = this.unstable.maybeTerm(index);
    if (unstableTerm !== undefined) return unstableTerm;
    try {
      return this.storage.term(index);
    } catch (error) {
      if (error instanceof CompactedError || error instanceof UnavailableError) return undefined;
      throw error;
    }
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Raft §5.4.1: is a log ending at (lastIndex, lastTerm) at least as up to date as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /**
   * The follower's side of an append: if our log holds (index, logTerm), take `entries` after it,
   * replacing a conflicting suffix, and move commit up to min(commit, last new index). Returns the
   * last index known to match the leader and the entries actually appended, or undefined.
   */
  maybeAppend(
    index: number,
    logTerm: number,
    commit: number,
    entries: readonly Entry[],
  ): { lastNewIndex: number; appended: readonly Entry[] } | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNewIndex = index + entries.length;
    const conflictIndex = this.findConflict(entries);
    let appended: readonly Entry[] = [];
    if (conflictIndex !== 0) {
      if (conflictIndex <= this.committed) {
        throw new RaftInvariantError(
          `entry ${conflictIndex} conflicts with a committed entry (commit ${this.committed})`,
        );
      }
      appended = entries.slice(conflictIndex - (index + 1));
      this.append(appended);
    }
    this.commitTo(Math.min(commit, lastNewIndex));
    return { lastNewIndex, appended };
  }

  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const after = entries[0].index - 1;
    if (after < this.committed) {
      throw new RaftInvariantError(
        `appending after ${after} would overwrite commit ${this.committed}`,
      );
    }
    this.unstable.truncateAndAppend(entries);
  }

  /** Index of the first entry whose term differs from ours (or that we lack), or 0 if all match. */
  findConflict(entries: readonly Entry[]): number {
    for (const entry of entries) {
      if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    }
    return 0;
  }

  /**
   * The largest index ≤ `index` whose term is ≤ `term`, with that term: where the leader should probe
   * next after a rejection, skipping a whole conflicting term at once (paper §5.3, thesis §3.5).
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (let probe = index; ; probe--) {
      const ourTerm = this.term(probe);
      if (ourTerm === undefined) return { index: probe, term: 0 };
      if (ourTerm <= term) return { index: probe, term: ourTerm };
    }
  }

  commitTo(commit: number): void {
    if (commit <= this.committed) return;
    if (commit > this.lastIndex()) {
      throw new RaftInvariantError(`commit ${commit} is past the last index ${this.lastIndex()}`);
    }
    this.committed = commit;
  }

  /** Leader rule (§5.4.2): only an entry of the leader's own term is committed by counting replicas. */
  maybeCommit(index: number, term: number, allowOldTerm: boolean): boolean {
    if (index > this.committed && (allowOldTerm || this.term(index) === term)) {
      this.commitTo(index);
      return true;
    }
    return false;
  }

  /** Entries in [lo, hi) across storage and the unstable buffer, limited to about maxBytes. */
  slice(lo: number, hi: number, maxBytes: number): Entry[] {
    if (lo >= hi) return [];
    if (lo < this.firstIndex()) throw new CompactedError(lo);
    if (hi > this.lastIndex() + 1) throw new UnavailableError(hi - 1);
    let result: Entry[] = [];
    const unstableStart = this.unstable.offset;
    if (lo < unstableStart) {
      const storedHi = Math.min(hi, unstableStart);
      result = this.storage.entries(lo, storedHi, maxBytes);
      if (result.length < storedHi - lo) return result;
    }
    if (hi > unstableStart) {
      let bytes = entriesSize(result);
      for (const entry of this.unstable.slice(Math.max(lo, unstableStart), hi)) {
        bytes += entry.data.byteLength;
        if (result.length > 0 && bytes > maxBytes) break;
        result.push(entry);
      }
    }
    return result;
  }

  /** Entries from `index` to the end of the log, limited to about maxBytes. */
  entriesFrom(index: number, maxBytes: number): Entry[] {
    return this.slice(index, this.lastIndex() + 1, maxBytes);
  }

  /** Highest index on disk here: entries past it are only in the unstable buffer. */
  lastStableIndex(): number {
    if (this.unstable.snapshot) return this.unstable.snapshot.metadata.index - 1;
    return this.unstable.offset - 1;
  }

  /** Committed entries not yet handed to the host, limited to those already on disk here. */
  nextCommittedEntries(maxBytes: number): Entry[] {
    if (this.unstable.snapshot) return [];
    const lo = Math.max(this.applied + 1, this.firstIndex());
    const hi = Math.min(this.committed, this.lastStableIndex()) + 1;
    return lo < hi ? this.slice(lo, hi, maxBytes) : [];
  }

  hasNextCommittedEntries(): boolean {
    if (this.unstable.snapshot) return false;
    return (
      Math.min(this.committed, this.lastStableIndex()) >=
      Math.max(this.applied + 1, this.firstIndex())
    );
  }

  appliedTo(index: number): void {
    if (index > this.committed || index < this.applied) {
      throw new RaftInvariantError(
        `applied ${index} is outside [applied ${this.applied}, committed ${this.committed}]`,
      );
    }
    this.applied = index;
  }

  /** The host installed a snapshot into its state machine: everything up to it counts as applied. */
  appliedSnapshot(index: number): void {
    this.applied = Math.max(this.applied, index);
  }

  restore(snapshot: Snapshot): void {
    this.committed = snapshot.metadata.index;
    this.unstable.restore(snapshot);
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }
}
