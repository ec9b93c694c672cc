/**
 * Errors the core throws at its host. Each is a class so callers can test for it with `instanceof`.
 * A broken internal invariant throws {@link RaftInvariantError}: the process must stop, not carry on.
 */

/** Base class of every error thrown by the Raft core. */
export class RaftError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Thrown by `propose` when no leader is known, and by `propose` and `proposeConfChange` while the
 * leader is handing over leadership. Retry later.
 */
export class ProposalDroppedError extends RaftError {}

/** Thrown by `proposeConfChange` on a node that is not the leader. Send the change to the leader. */
export class NotLeaderError extends RaftError {
  constructor(readonly leader: string) {
    super(
      leader ? `not the leader; the leader is ${leader}` : 'not the leader; no leader is known',
    );
  }
}

/**
 * Thrown by `proposeConfChange` when the change cannot be made now: another change is not yet committed,
 * the leader has not committed an entry of its term, or the change makes no sense for the membership.
 */
export class ConfChangeRejectedError extends RaftError {}

/** Thrown by `readIndex` when no leader is known to confirm the read. Retry later. */
export class ReadIndexDroppedError extends RaftError {}

/** Thrown by storage when the requested index has been compacted into a snapshot. */
export class CompactedError extends RaftError {
  constructor(readonly index: number) {
    super(`index ${index} is compacted`);
  }
}

/** Thrown by storage when the requested index is past the end of the log. */
export class UnavailableError extends RaftError {
  constructor(readonly index: number) {
    super(`index ${index} is not in the log yet`);
  }
}

/** Thrown by storage when a snapshot is being produced and cannot be returned yet. */
export class SnapshotTemporarilyUnavailableError extends RaftError {}

/** Thrown when the host misuses the API (for example `ready()` twice without `advance()`). */
export class RaftUsageError extends RaftError {}

/** Thrown when an invariant the algorithm relies on is broken. Never caught: it means a bug or corruption. */
export class RaftInvariantError extends RaftError {}
