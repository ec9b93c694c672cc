import { RaftConfig } from './config';
import { RaftUsageError } from './errors';
import { Raft } from './raft';
import { ProgressState } from './tracker/progress';
import {
  ConfChange,
  ConfState,
  HardState,
  Message,
  NodeId,
  RaftRole,
  Ready,
  SoftState,
  Unreachability,
} from './types';

/** A member as the leader sees it. */
export interface MemberProgress {
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly isLearner: boolean;
  readonly recentActive: boolean;
}

/** A read-only picture of the node, for APIs and metrics. */
export interface RaftStatus {
  readonly id: NodeId;
  readonly term: number;
  readonly vote: NodeId;
  readonly leader: NodeId;
  readonly role: RaftRole;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly confState: ConfState;
  readonly leadTransferee: NodeId;
  /** Filled on the leader only. */
  readonly progress: ReadonlyMap<NodeId, MemberProgress>;
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

/**
 * The host's handle on one Raft node (etcd's RawNode). Feed it `tick()` on a timer and `step()` for each
 * message received; whenever `hasReady()`, take a `ready()`, carry it out in the order {@link Ready}
 * documents, then call `advance()`. Nothing here does I/O or reads a clock.
 */
export class RawNode {
  private readonly raft: Raft;
  private previousSoftState: SoftState;
  private previousHardState: HardState;
  private inProgress: Ready | undefined;

  constructor(config: RaftConfig) {
    this.raft = new Raft(config);
    this.previousSoftState = this.raft.softState();
    this.previousHardState = this.raft.hardState();
  }

  get id(): NodeId {
    return this.raft.id;
  }

  /** Advances the logical clock by one tick. */
  tick(): void {
    this.raft.tick();
  }

  /** Feeds a message received from a peer. Messages addressed to another node are ignored. */
  step(message: Message): void {
    if (message.to !== this.raft.id) return;
    this.raft.step(message);
  }

  /** Starts an election now (after a pre-vote round, if enabled). */
  campaign(): void {
    this.raft.campaign();
  }

  /** Proposes one command. Throws ProposalDroppedError when no leader can take it now. */
  propose(data: Uint8Array): void {
    this.raft.propose([data]);
  }

  /** Proposes several commands at once: one append message per follower for all of them. */
  proposeBatch(data: readonly Uint8Array[]): void {
    this.raft.propose(data);
  }

  /**
   * Proposes a membership change (leader only). Throws NotLeaderError, ConfChangeRejectedError, or
   * ProposalDroppedError during a leadership transfer.
   */
  proposeConfChange(change: ConfChange): void {
    this.raft.proposeConfChange(change);
  }

  /**
   * Asks for a linearizable read point; `context` must be unique among reads in flight. The answer is a
   * `ReadState` with the same context in a later `Ready`. A request lost with a leader change is never
   * answered: hosts time reads out.
   */
  readIndex(context: string, options: { lease?: boolean } = {}): void {
    this.raft.readIndex(context, options.lease === true);
  }

  transferLeadership(target: NodeId): void {
    this.raft.transferLeadership(target);
  }

  /** The host could not deliver to `id`, and why (see {@link Unreachability}). */
  reportUnreachable(id: NodeId, why: Unreachability = 'congested'): void {
    this.raft.reportUnreachable(id, why);
  }

  reportSnapshot(id: NodeId, succeeded: boolean): void {
    this.raft.reportSnapshot(id, succeeded);
  }

  /** Membership in force at `index` (an applied index), to record in a snapshot taken there. */
  confStateAt(index: number): ConfState {
    return this.raft.confStateAt(index);
  }

  hasReady(): boolean {
    if (this.inProgress) return false;
    const raft = this.raft;
    const soft = raft.softState();
    return (
      soft.leader !== this.previousSoftState.leader ||
      soft.role !== this.previousSoftState.role ||
      !sameHardState(raft.hardState(), this.previousHardState) ||
      raft.log.unstable.entries.length > 0 ||
      raft.log.unstable.snapshot !== undefined ||
      raft.msgs.length > 0 ||
      raft.readStates.length > 0 ||
      raft.log.hasNextCommittedEntries()
    );
  }

  /** Takes the next batch of work. Call `advance()` once it is done before asking for another. */
  ready(): Ready {
    if (this.inProgress) throw new RaftUsageError('ready() called again before advance()');
    const raft = this.raft;
    const soft = raft.softState();
    const hard = raft.hardState();
    const softChanged =
      soft.leader !== this.previousSoftState.leader || soft.role !== this.previousSoftState.role;
    const hardChanged = !sameHardState(hard, this.previousHardState);
    const entries = [...raft.log.unstable.entries];
    const ready: Ready = {
      softState: softChanged ? soft : undefined,
      hardState: hardChanged ? hard : undefined,
      entries,
      snapshot: raft.log.unstable.snapshot,
      committedEntries: raft.log.nextCommittedEntries(Number.POSITIVE_INFINITY),
      messages: raft.msgs,
      readStates: raft.readStates,
      mustSync:
        entries.length > 0 ||
        raft.log.unstable.snapshot !== undefined ||
        hard.term !== this.previousHardState.term ||
        hard.vote !== this.previousHardState.vote,
    };
    raft.msgs = [];
    raft.readStates = [];
    if (softChanged) this.previousSoftState = soft;
    if (hardChanged) this.previousHardState = hard;
    this.inProgress = ready;
    return ready;
  }

  /** The last `Ready` was carried out: its entries and snapshot are durable, its entries applied. */
  advance(): void {
    const ready = this.inProgress;
    if (!ready) throw new RaftUsageError('advance() called without a ready() in progress');
    this.inProgress = undefined;
    const log = this.raft.log;
    if (ready.snapshot) {
      log.unstable.stableSnapshotTo(ready.snapshot.metadata.index);
      log.appliedSnapshot(ready.snapshot.metadata.index);
    }
    if (ready.entries.length > 0) {
      const last = ready.entries[ready.entries.length - 1];
      log.unstable.stableTo(last.index, last.term);
      this.raft.onPersisted(last.index, last.term);
    }
    if (ready.committedEntries.length > 0) {
      log.appliedTo(ready.committedEntries[ready.committedEntries.length - 1].index);
    }
  }

  /** The essentials of `status()`, without the per-member progress: cheap enough for every request. */
  basicStatus(): Omit<RaftStatus, 'progress' | 'confState'> {
    const raft = this.raft;
    return {
      id: raft.id,
      term: raft.term,
      vote: raft.vote,
      leader: raft.lead,
      role: raft.role,
      commit: raft.log.committed,
      applied: raft.log.applied,
      firstIndex: raft.log.firstIndex(),
      lastIndex: raft.log.lastIndex(),
      leadTransferee: raft.leadTransferee,
    };
  }

  /** Term of the entry at `index` in this node's log, persisted or not; undefined if compacted or absent. */
  termAt(index: number): number | undefined {
    return this.raft.log.term(index);
  }

  status(): RaftStatus {
    const raft = this.raft;
    const progress = new Map<NodeId, MemberProgress>();
    if (raft.role === 'leader') {
      for (const [id, p] of raft.tracker.progress) {
        progress.set(id, {
          match: p.match,
          next: p.next,
          state: p.state,
          isLearner: p.isLearner,
          recentActive: p.recentActive,
        });
      }
    }
    return { ...this.basicStatus(), confState: raft.confState(), progress };
  }
}
