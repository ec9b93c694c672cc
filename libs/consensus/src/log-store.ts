import { Entry, HardState, RaftInvariantError, SnapshotMetadata } from '@falconmind/raft';

/** Everything the node persisted, read back at start to rebuild the core's in-memory storage. */
export interface PersistedRaftState {
  readonly hardState: HardState;
  /** The latest snapshot's metadata, if the log was ever compacted. */
  readonly snapshot?: SnapshotMetadata;
  /** The log after the snapshot, in index order. */
  readonly entries: readonly Entry[];
}

/** One `Ready`'s durable part: written in a single transaction, or not at all. */
export interface RaftWriteBatch {
  readonly hardState?: HardState;
  /** Replace any stored entries from `entries[0].index` on (a conflicting suffix) with these. */
  readonly entries: readonly Entry[];
  /** Metadata of a snapshot installed from the leader: drop the whole log before writing `entries`. */
  readonly installedSnapshot?: SnapshotMetadata;
}

/**
 * The Raft log, hard state and snapshot metadata in the node's own database (hashicorp's LogStore +
 * StableStore). Each call is durable when its promise resolves (the database commits synchronously).
 */
export interface RaftLogStore {
  load(): Promise<PersistedRaftState>;
  /** Writes one batch atomically: the group commit of everything one `Ready` asks to persist. */
  persist(batch: RaftWriteBatch): Promise<void>;
  /** Records a snapshot taken locally at `metadata.index` and deletes the entries it covers. */
  compact(metadata: SnapshotMetadata): Promise<void>;
}

/**
 * Thrown by `load` when the stored log is not one run of indexes starting right after the snapshot,
 * or cannot be read: it was changed or damaged behind the store's back.
 */
export class CorruptRaftLogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptRaftLogError';
  }
}

/** A batch to persist is a run of consecutive indexes: anything else is a bug in the caller. */
export function checkContiguous(entries: readonly Entry[]): void {
  for (let i = 1; i < entries.length; i++) {
    if (entries[i].index !== entries[i - 1].index + 1) {
      throw new RaftInvariantError(
        `entries to persist are not contiguous: index ${entries[i].index} follows ${entries[i - 1].index}`,
      );
    }
  }
}
