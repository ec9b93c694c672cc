import { Entry, HardState, SnapshotMetadata } from '@falconmind/raft';

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
