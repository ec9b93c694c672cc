import { NodeId, ReadState, Ready } from '@falconmind/raft';
import { NodeObserver, SimNode } from './sim-node';

/** Keeps at most this many violation messages: the first ones explain the failure. */
const MAX_REPORTED = 20;

/**
 * The safety properties of Raft (paper Figure 3, plus reads and durability), checked as the simulation
 * runs, after every step:
 * - election safety: at most one leader per term;
 * - vote stability: a node never changes its durable vote within a term (§5.2);
 * - log matching: entries with the same index and term hold the same command and follow the same term;
 * - leader completeness: a new leader holds every entry committed before it;
 * - state machine safety: every node applies the same command at each index, without gaps;
 * - monotonic commit: a node's commit index never goes back, in memory or on disk;
 * - read safety: a confirmed read index covers every entry committed before the read was asked for;
 * - durability (at the end): every acknowledged write is applied by every member.
 */
export class InvariantChecker implements NodeObserver {
  readonly violations: string[] = [];
  /** Values acknowledged to a client: applied by the node that took the proposal. */
  readonly acknowledged = new Map<string, number>();
  maxCommitSeen = 0;
  private readonly leaderOfTerm = new Map<number, NodeId>();
  private readonly entryAt = new Map<string, { value: string; previousTerm: number | undefined }>();
  /** What each applied index holds. */
  private readonly appliedValue = new Map<number, string>();
  /**
   * Each committed index as first seen committed: the entry's term, and the term of the node that saw
   * it (no earlier than the term in which it was committed).
   */
  private readonly committed = new Map<number, { term: number; seenInTerm: number }>();
  private readonly durable = new Map<NodeId, { term: number; vote: NodeId; commit: number }>();
  private readonly liveCommit = new Map<NodeId, number>();
  private readonly reads = new Map<string, { minIndex: number; node: NodeId }>();

  constructor(
    private readonly now: () => number,
    private readonly traceLine: (line: string) => void,
    private readonly onNewLeader: (node: SimNode, term: number) => void = () => undefined,
  ) {}

  get ok(): boolean {
    return this.violations.length === 0;
  }

  trace(line: string): void {
    this.traceLine(line);
  }

  /** A node restarted: its in-memory commit starts again from what it stored. */
  onRestart(node: SimNode): void {
    this.liveCommit.delete(node.id);
  }

  /** Called after every step a node takes (tick, message, Ready). */
  afterStep(node: SimNode): void {
    const raw = node.raw;
    if (!raw) return;
    const status = raw.basicStatus();
    for (let index = this.maxCommitSeen + 1; index <= status.commit; index++) {
      const term = raw.termAt(index);
      if (term !== undefined) this.committed.set(index, { term, seenInTerm: status.term });
    }
    for (
      let index = Math.max(status.firstIndex, status.commit - 8);
      index <= status.commit;
      index++
    ) {
      // Recently committed entries must be the same on every node that has them committed.
      const known = this.committed.get(index);
      const term = raw.termAt(index);
      if (known && term !== undefined && known.term !== term) {
        this.violate(
          `state machine safety: ${node.id} committed ${index}@${term}, elsewhere ${index}@${known.term}`,
        );
      }
    }
    this.maxCommitSeen = Math.max(this.maxCommitSeen, status.commit);
    const lastCommit = this.liveCommit.get(node.id) ?? 0;
    if (status.commit < lastCommit) {
      this.violate(
        `monotonic commit: ${node.id} commit went from ${lastCommit} to ${status.commit}`,
      );
    }
    this.liveCommit.set(node.id, status.commit);
    if (status.role !== 'leader') return;
    const leader = this.leaderOfTerm.get(status.term);
    if (leader === undefined) {
      this.leaderOfTerm.set(status.term, node.id);
      this.traceLine(`${this.now()} ${node.id} LEADER term ${status.term}`);
      this.checkLeaderCompleteness(node, status.term, status.firstIndex);
      this.onNewLeader(node, status.term);
    } else if (leader !== node.id) {
      this.violate(
        `election safety: ${leader} and ${node.id} are both leaders of term ${status.term}`,
      );
    }
  }

  /** A client asked `node` for a read when `minIndex` was the highest commit index anywhere. */
  registerRead(context: string, node: NodeId, minIndex: number): void {
    this.reads.set(context, { minIndex, node });
  }

  onPersisted(node: SimNode, ready: Ready): void {
    // What the entries follow on the disk they were just written to. Not the live log: with a slow
    // disk, a newer leader may have replaced the suffix in memory while this Ready was in flight.
    let previousTerm =
      ready.entries.length > 0 ? durableTermAt(node, ready.entries[0].index - 1) : undefined;
    for (const entry of ready.entries) {
      const key = `${entry.index}:${entry.term}`;
      const value = new TextDecoder().decode(entry.data) + `#${entry.type}`;
      const seen = this.entryAt.get(key);
      if (!seen) {
        this.entryAt.set(key, { value, previousTerm });
      } else {
        if (seen.value !== value) {
          this.violate(
            `log matching: two different entries at index ${entry.index} term ${entry.term}`,
          );
        }
        if (
          seen.previousTerm !== undefined &&
          previousTerm !== undefined &&
          seen.previousTerm !== previousTerm
        ) {
          this.violate(
            `log matching: entry ${entry.index}@${entry.term} follows term ${previousTerm} on ${node.id}, ${seen.previousTerm} elsewhere`,
          );
        }
      }
      previousTerm = entry.term;
    }
    const hard = ready.hardState;
    if (!hard) return;
    const before = this.durable.get(node.id) ?? { term: 0, vote: '', commit: 0 };
    if (hard.term < before.term)
      this.violate(`durability: ${node.id} term went back to ${hard.term}`);
    if (hard.term === before.term && before.vote !== '' && hard.vote !== before.vote) {
      this.violate(
        `vote stability: ${node.id} voted for ${before.vote} then ${hard.vote} in term ${hard.term}`,
      );
    }
    if (hard.commit < before.commit) {
      this.violate(
        `monotonic commit: ${node.id} stored commit ${hard.commit} after ${before.commit}`,
      );
    }
    this.durable.set(node.id, {
      term: hard.term,
      vote: hard.vote,
      commit: Math.max(hard.commit, before.commit),
    });
  }

  onApplied(
    node: SimNode,
    index: number,
    _term: number | undefined,
    value: string,
    proposedHere: boolean,
  ): void {
    const known = this.appliedValue.get(index);
    if (known === undefined) this.appliedValue.set(index, value);
    else if (known !== value) {
      this.violate(
        `state machine safety: ${node.id} applied "${value}" at ${index}, another node "${known}"`,
      );
    }
    if (proposedHere && value !== '') {
      this.acknowledged.set(value, index);
      this.traceLine(`${this.now()} ${node.id} ACK ${value}@${index}`);
    }
  }

  onReadState(node: SimNode, readState: ReadState): void {
    const read = this.reads.get(readState.context);
    if (!read) return;
    this.reads.delete(readState.context);
    this.traceLine(
      `${this.now()} ${node.id} READ ${readState.context} index ${readState.index} (needs ${read.minIndex})`,
    );
    if (readState.index < read.minIndex) {
      this.violate(
        `read safety: read ${readState.context} on ${node.id} got index ${readState.index}, but ${read.minIndex} was committed before it was asked`,
      );
    }
  }

  /** At the end, after healing: every member applied the same history, with every acknowledged write. */
  checkConvergence(members: readonly SimNode[]): void {
    for (const node of members) {
      const appliedAt = new Map(node.applied);
      for (const [value, index] of this.acknowledged) {
        if (appliedAt.get(index) !== value) {
          this.violate(`durability: acknowledged ${value}@${index} is not applied on ${node.id}`);
          break;
        }
      }
    }
  }

  private checkLeaderCompleteness(node: SimNode, term: number, firstIndex: number): void {
    const raw = node.raw;
    if (!raw) return;
    for (const [index, entry] of this.committed) {
      // Leader completeness binds leaders of later terms than the one the entry was committed in.
      if (index < firstIndex || entry.seenInTerm >= term) continue;
      const held = raw.termAt(index);
      if (held !== entry.term) {
        this.violate(
          `leader completeness: ${node.id}, leader of term ${term}, lacks committed entry ${index}@${entry.term} (has term ${held ?? 'none'})`,
        );
        return;
      }
    }
  }

  onViolation(message: string): void {
    this.violate(message);
  }

  private violate(message: string): void {
    this.traceLine(`${this.now()} VIOLATION ${message}`);
    if (this.violations.length < MAX_REPORTED) this.violations.push(`t=${this.now()} ${message}`);
  }
}

/** The term of `index` in the node's storage, or undefined where it is compacted away or absent. */
function durableTermAt(node: SimNode, index: number): number | undefined {
  try {
    return node.storage.term(index);
  } catch {
    return undefined;
  }
}
