import { Inflights } from './inflights';

/**
 * How the leader sends to a follower:
 * - `probe`: one append at a time until it finds where the logs match (at start, after a rejection);
 * - `replicate`: streaming appends optimistically, bounded by the in-flight window;
 * - `snapshot`: waiting for a snapshot to be installed; nothing else is sent.
 */
export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/** The leader's view of one member's log. (etcd's tracker.Progress.) */
export class Progress {
  /** Highest index known to be replicated on the member. */
  match = 0;
  /** Next index to send. */
  next: number;
  state: ProgressState = 'probe';
  /** In `snapshot` state, the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  /** In `probe` state: an append is outstanding and no more are sent until it is answered. */
  msgAppFlowPaused = false;
  /** Heartbeat responses received while waiting in `snapshot` state (see Raft.handleHeartbeatResponse). */
  snapshotWaitResponses = 0;
  /** Highest `sentAtTick` of a heartbeat the member answered: the start of the lease it grants. */
  leaseAckTick = Number.NEGATIVE_INFINITY;
  readonly inflights: Inflights;

  constructor(
    next: number,
    public isLearner: boolean,
    maxInflightMsgs: number,
    maxInflightBytes: number,
  ) {
    this.next = next;
    this.inflights = new Inflights(maxInflightMsgs, maxInflightBytes);
  }

  private resetState(state: ProgressState): void {
    this.msgAppFlowPaused = false;
    this.pendingSnapshot = 0;
    this.snapshotWaitResponses = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    const pendingSnapshot = this.state === 'snapshot' ? this.pendingSnapshot : 0;
    this.resetState('probe');
    this.next = Math.max(this.match + 1, pendingSnapshot + 1);
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('snapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  /** Records that an append of `count` entries (`bytes` of data) starting at `next` was sent. */
  sentEntries(count: number, bytes: number): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        const last = this.next + count - 1;
        this.next = last + 1;
        this.inflights.add(last, bytes);
      }
    } else if (this.state === 'probe') {
      this.msgAppFlowPaused = true;
    }
  }

  /** The member acknowledged `index`. Returns false if that is old news. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.msgAppFlowPaused = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /**
   * The member rejected an append at `rejected` and hinted that its log may match up to `matchHint`.
   * Returns false if the rejection is stale (it answers an append we no longer care about).
   */
  maybeDecreaseTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.msgAppFlowPaused = false;
    return true;
  }

  /** No more appends may be sent now. */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.msgAppFlowPaused;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }
}
