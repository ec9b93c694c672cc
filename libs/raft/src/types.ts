/**
 * Plain data that crosses the boundary of the Raft core: what the host persists, sends and applies.
 * Nothing here holds behaviour; everything is serialisable as it is.
 */

/** A member's identity. The empty string means "no node" (see {@link NO_NODE}). */
export type NodeId = string;

/** The absence of a node: no vote cast, no leader known. */
export const NO_NODE: NodeId = '';

/** `normal` carries the host's command; `conf-change` carries an encoded {@link ConfChange}. */
export type EntryType = 'normal' | 'conf-change';

export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly type: EntryType;
  /** The host's payload. Empty for the no-op entry a new leader appends. */
  readonly data: Uint8Array;
}

/** What must be on disk before any message that depends on it leaves the node. */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId;
  readonly commit: number;
}

/** Membership: voters decide elections and commits; learners only replicate. */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

export interface SnapshotMetadata {
  readonly index: number;
  readonly term: number;
  readonly confState: ConfState;
}

/** A compacted prefix of the log, as the host's state machine saw it at `metadata.index`. */
export interface Snapshot {
  readonly metadata: SnapshotMetadata;
  /** Host-defined state machine image; the core never looks inside. */
  readonly data: Uint8Array;
}

export type ConfChangeType = 'add-voter' | 'add-learner' | 'remove-node';

/** One membership change. Promoting a learner is `add-voter` for a node already a learner. */
export interface ConfChange {
  readonly type: ConfChangeType;
  readonly nodeId: NodeId;
  /** Opaque host data carried with the change (for example the new member's address). */
  readonly context?: string;
}

export type MessageType =
  | 'append'
  | 'append-response'
  | 'vote'
  | 'vote-response'
  | 'pre-vote'
  | 'pre-vote-response'
  | 'snapshot'
  | 'heartbeat'
  | 'heartbeat-response'
  | 'propose'
  | 'read-index'
  | 'read-index-response'
  | 'transfer-leader'
  | 'timeout-now';

/**
 * A message between cores. Fields not used by a type are absent. `term` is 0 only for `propose`,
 * `read-index` and `transfer-leader` forwarded by a follower, which are not bound to a term.
 */
export interface Message {
  readonly type: MessageType;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
  /** append: term of the entry at `index`; vote: term of the candidate's last entry; rejection: hint term. */
  readonly logTerm?: number;
  /** append: index preceding `entries`; response: index matched, or the rejected one; vote: last index. */
  readonly index?: number;
  readonly entries?: readonly Entry[];
  readonly commit?: number;
  readonly reject?: boolean;
  /** append-response rejection: the follower's suggestion of where the logs may match. */
  readonly rejectHint?: number;
  readonly snapshot?: Snapshot;
  /**
   * heartbeat / read-index: the read request this round confirms; vote: `transfer` for a campaign the
   * leader asked for; transfer-leader: the target.
   */
  readonly context?: string;
  /** heartbeat: the leader's tick count when it was sent, echoed by the response (lease reads). */
  readonly sentAtTick?: number;
  /** read-index: answer from the leader's lease instead of a heartbeat round, when the lease holds. */
  readonly leaseRead?: boolean;
}

/**
 * Why the host could not deliver to a peer: its link is backed up (`congested`), or the connection
 * itself failed or was closed (`disconnected`: the peer's process is gone, or the network between).
 */
export type Unreachability = 'congested' | 'disconnected';

export type RaftRole = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/** Volatile state, reported when it changes; never persisted. */
export interface SoftState {
  readonly leader: NodeId;
  readonly role: RaftRole;
}

/** A read request that is now safe to serve once the host has applied up to `index`. */
export interface ReadState {
  readonly index: number;
  readonly context: string;
}

/**
 * One batch of work for the host, in this order: persist `hardState`, `entries` and `snapshot` durably;
 * then send `messages`; then apply `committedEntries` (after installing `snapshot` into the state
 * machine); then serve `readStates` once applied; then call `advance()`.
 */
export interface Ready {
  readonly softState?: SoftState;
  readonly hardState?: HardState;
  readonly entries: readonly Entry[];
  readonly snapshot?: Snapshot;
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly readStates: readonly ReadState[];
  /** True when `hardState` (term or vote), `entries` or `snapshot` must be fsynced before `messages` are sent. */
  readonly mustSync: boolean;
}

export const EMPTY_HARD_STATE: HardState = { term: 0, vote: NO_NODE, commit: 0 };
export const EMPTY_CONF_STATE: ConfState = { voters: [], learners: [] };
