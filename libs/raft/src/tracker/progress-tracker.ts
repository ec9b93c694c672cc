import {
  hasMajority,
  majoritySize,
  majorityValue,
  majorityVoteResult,
  VoteResult,
} from '../quorum/majority';
import { ConfState, NodeId } from '../types';
import { Progress } from './progress';

/** Membership, each member's replication progress, and the votes of the current election. */
export class ProgressTracker {
  voters: Set<NodeId> = new Set();
  learners: Set<NodeId> = new Set();
  readonly progress = new Map<NodeId, Progress>();
  readonly votes = new Map<NodeId, boolean>();

  constructor(
    private readonly maxInflightMsgs: number,
    private readonly maxInflightBytes: number,
  ) {}

  confState(): ConfState {
    return { voters: [...this.voters].sort(), learners: [...this.learners].sort() };
  }

  isVoter(id: NodeId): boolean {
    return this.voters.has(id);
  }

  isMember(id: NodeId): boolean {
    return this.voters.has(id) || this.learners.has(id);
  }

  /**
   * Switches to a membership, keeping the progress of members that stay and starting new ones at
   * `nextIndex`. Returns the ids that were added and removed.
   */
  applyConfState(confState: ConfState, nextIndex: number): { added: NodeId[]; removed: NodeId[] } {
    const before = new Set([...this.voters, ...this.learners]);
    this.voters = new Set(confState.voters);
    this.learners = new Set(confState.learners);
    const after = [...confState.voters, ...confState.learners].sort();
    const added: NodeId[] = [];
    for (const id of after) {
      let progress = this.progress.get(id);
      if (!progress) {
        progress = this.newProgress(nextIndex, false);
        // A new member may still be starting: do not count it against check-quorum yet.
        progress.recentActive = true;
        this.progress.set(id, progress);
      }
      progress.isLearner = this.learners.has(id);
      if (!before.has(id)) added.push(id);
    }
    const removed = [...before].filter((id) => !this.isMember(id));
    for (const id of removed) {
      this.progress.delete(id);
      this.votes.delete(id);
    }
    return { added, removed };
  }

  /** Starts every member's progress afresh, for a new term. */
  resetProgress(nextIndex: number): void {
    for (const [id, progress] of this.progress) {
      this.progress.set(id, this.newProgress(nextIndex, progress.isLearner));
    }
  }

  /**
   * Highest index acknowledged by a majority of voters. With `countLearners` (a planted bug only),
   * learners' acknowledgements wrongly count towards that majority.
   */
  committedIndex(countLearners: boolean): number {
    const matchOf = (id: NodeId): number => this.progress.get(id)?.match ?? 0;
    if (!countLearners) return majorityValue(this.voters, matchOf);
    const matches = [...this.voters, ...this.learners].map(matchOf).sort((a, b) => b - a);
    return matches[majoritySize(this.voters.size) - 1] ?? 0;
  }

  resetVotes(): void {
    this.votes.clear();
  }

  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  /** With `countLearners` (a planted bug only), learners' votes wrongly count towards a majority. */
  tallyVotes(countLearners: boolean): VoteResult {
    if (!countLearners) return majorityVoteResult(this.voters, this.votes);
    let granted = 0;
    for (const [id, vote] of this.votes) if (vote && this.isMember(id)) granted++;
    return granted >= majoritySize(this.voters.size) ? 'won' : 'pending';
  }

  /** Whether a majority of voters was heard from since the last reset (self counts as heard). */
  quorumActive(self: NodeId): boolean {
    return hasMajority(
      this.voters,
      (id) => id === self || this.progress.get(id)?.recentActive === true,
    );
  }

  resetRecentActive(self: NodeId): void {
    for (const [id, progress] of this.progress) progress.recentActive = id === self;
  }

  /** The latest tick at which a majority of voters (self at `nowTick`) had confirmed this leader. */
  quorumLeaseTick(self: NodeId, nowTick: number): number {
    return majorityValue(this.voters, (id) =>
      id === self ? nowTick : (this.progress.get(id)?.leaseAckTick ?? Number.NEGATIVE_INFINITY),
    );
  }

  private newProgress(nextIndex: number, isLearner: boolean): Progress {
    return new Progress(nextIndex, isLearner, this.maxInflightMsgs, this.maxInflightBytes);
  }
}
