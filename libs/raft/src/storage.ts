import { ConfState, Entry, HardState, Snapshot } from './types';

/** What the host found on disk when the node started. */
export interface InitialState {
  readonly hardState: HardState;
  /** Membership as of the latest snapshot; later changes are read back from the log. */
  readonly confState: ConfState;
}

/**
 * The core's read-only view of the host's durable state (etcd's Storage; hashicorp's LogStore,
 * StableStore and SnapshotStore in one). Only what has been persisted may be visible here. Calls are
 * synchronous: a host with an asynchronous disk keeps an in-memory mirror of what it has persisted.
 *
 * The log is [firstIndex(), lastIndex()]; the entry just before it is covered by the latest snapshot,
 * whose term `term(firstIndex() - 1)` must still answer.
 */
export interface Storage {
  initialState(): InitialState;
  /**
   * Entries in [lo, hi), at least one if any exist, stopping before `maxBytes` of data would be passed.
   * Throws CompactedError if lo < firstIndex(), UnavailableError if hi > lastIndex() + 1.
   */
  entries(lo: number, hi: number, maxBytes: number): Entry[];
  /** Term of the entry at `index`, for index in [firstIndex() - 1, lastIndex()]. Throws otherwise. */
  term(index: number): number;
  firstIndex(): number;
  lastIndex(): number;
  /** The latest snapshot. May throw SnapshotTemporarilyUnavailableError while one is being made. */
  snapshot(): Snapshot;
}
