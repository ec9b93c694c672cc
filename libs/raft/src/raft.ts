import { encodeConfChange, confChangeProblem } from './conf-change';
import { RaftConfig, ResolvedRaftConfig, resolveRaftConfig } from './config';
import { ConfigHistory } from './config-history';
import {
  ConfChangeRejectedError,
  NotLeaderError,
  ProposalDroppedError,
  RaftInvariantError,
  ReadIndexDroppedError,
  SnapshotTemporarilyUnavailableError,
  CompactedError,
} from './errors';
import { PLANTED_BUGS, PlantedBug, WithPlantedBugs } from './internal/planted-bugs';
import { entriesSize, RaftLog } from './log';
import { LogFields } from './logger';
import { hasMajority, majoritySize } from './quorum/majority';
import { ReadOnlyQueue, PendingRead } from './read-only';
import { Progress } from './tracker/progress';
import { ProgressTracker } from './tracker/progress-tracker';
import {
  ConfChange,
  ConfState,
  Entry,
  HardState,
  Message,
  MessageType,
  NO_NODE,
  NodeId,
  RaftRole,
  ReadState,
  Snapshot,
  SoftState,
  Unreachability,
} from './types';

/** `context` of a vote request sent because the leader handed over leadership: it bypasses leases. */
const TRANSFER_CONTEXT = 'transfer';
const EMPTY_DATA = new Uint8Array(0);

type NewEntry = Pick<Entry, 'type' | 'data'>;

/**
 * The Raft protocol for one node, as a pure state machine (after etcd-io/raft's raft.go). Inputs are
 * `tick()` and `step()` plus the proposal calls; outputs accumulate in `msgs` and `readStates` and in
 * the log's unstable part, which {@link RawNode} hands to the host as a `Ready`. Roles are swapped
 * functions (`stepFn`, `tickFn`), not branches.
 */
export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = NO_NODE;
  lead: NodeId = NO_NODE;
  role: RaftRole = 'follower';
  readonly log: RaftLog;
  readonly tracker: ProgressTracker;
  /** Messages to send, taken by the next `Ready`. */
  msgs: Message[] = [];
  /** Confirmed reads, taken by the next `Ready`. */
  readStates: ReadState[] = [];
  /** The node leadership is being handed to, or NO_NODE. */
  leadTransferee: NodeId = NO_NODE;
  /** Ticks since this node started: the clock of lease reads. */
  tickCount = 0;

  private readonly config: ResolvedRaftConfig;
  private readonly bugs: ReadonlySet<PlantedBug>;
  private readonly configHistory: ConfigHistory;
  private readonly readOnly = new ReadOnlyQueue();
  /** ReadIndex requests that arrived before this leader committed an entry of its term. */
  private pendingReadRequests: Message[] = [];
  /**
   * The snapshot index last announced (logged at info) per follower. The leader sends a snapshot
   * message again on each heartbeat response while a follower still needs it, and the host carries
   * on with the transfer it already has for the same image: the repeats are logged at debug.
   */
  private readonly snapshotAnnounced = new Map<NodeId, number>();
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  /**
   * Ticks since this node last heard from a leader of its term. While it is below an election timeout
   * the node refuses to vote (the leader's lease counts on that), whatever happened to its role since:
   * a forced campaign or a higher term does not withdraw the promise. A node that restarts may have
   * acknowledged a heartbeat just before it went down, so it starts at 0 when its durable term shows
   * it may ever have followed a leader (above the bootstrap term).
   */
  private ticksSinceLeaderContact = Number.POSITIVE_INFINITY;
  /** Set once this leader sent TimeoutNow: the target may win an election that ignores leases. */
  private leaseRevoked = false;
  /** A follower was told its connection to the leader failed; cleared when the leader is heard. */
  private leaderLossReported = false;
  private stepFn: (m: Message) => void = (m) => this.stepFollower(m);
  private tickFn: () => void = () => this.tickElection();

  constructor(config: RaftConfig) {
    this.config = resolveRaftConfig(config);
    this.bugs = (config as RaftConfig & WithPlantedBugs)[PLANTED_BUGS] ?? new Set();
    this.id = this.config.id;
    const storage = this.config.storage;
    this.log = new RaftLog(storage);
    this.tracker = new ProgressTracker(this.config.maxInflightMsgs, this.config.maxInflightBytes);

    const { hardState, confState } = storage.initialState();
    this.configHistory = new ConfigHistory(storage.firstIndex() - 1, confState);
    if (storage.lastIndex() >= storage.firstIndex()) {
      this.configHistory.onAppend(
        storage.entries(storage.firstIndex(), storage.lastIndex() + 1, Number.POSITIVE_INFINITY),
      );
    }
    this.tracker.applyConfState(this.configHistory.current(), this.log.lastIndex() + 1);
    this.loadHardState(hardState);
    if (hardState.term > 1) this.ticksSinceLeaderContact = 0;
    this.becomeFollower(this.term, NO_NODE);
    this.logInfo('started', {
      lastIndex: this.log.lastIndex(),
      commit: this.log.committed,
      voters: this.tracker.confState().voters.join(','),
    });
  }

  // ---------------------------------------------------------------- state reported to the host

  softState(): SoftState {
    return { leader: this.lead, role: this.role };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  confState(): ConfState {
    return this.tracker.confState();
  }

  /** Membership in force at `index`, for a snapshot taken there. */
  confStateAt(index: number): ConfState {
    return this.configHistory.at(index);
  }

  // ---------------------------------------------------------------- inputs

  tick(): void {
    this.tickCount++;
    this.ticksSinceLeaderContact++;
    this.tickFn();
  }

  /** Starts an election now (after a pre-vote round if enabled), as if the election timeout passed. */
  campaign(): void {
    this.hup(false);
  }

  propose(data: readonly Uint8Array[]): void {
    if (data.length === 0) return;
    const entries: NewEntry[] = data.map((d) => ({ type: 'normal', data: d }));
    if (this.role === 'leader') {
      if (this.leadTransferee !== NO_NODE) {
        throw new ProposalDroppedError(`leadership is being transferred to ${this.leadTransferee}`);
      }
      if (!this.tracker.isMember(this.id))
        throw new ProposalDroppedError('this leader was removed');
      this.appendEntries(entries);
      this.bcastAppend();
      return;
    }
    if (this.lead === NO_NODE) throw new ProposalDroppedError('no leader is known');
    this.send({
      type: 'propose',
      to: this.lead,
      term: 0,
      entries: entries.map((e) => ({ ...e, term: 0, index: 0 })),
    });
  }

  /** Proposes one membership change. Only the leader takes them; they are never forwarded. */
  proposeConfChange(change: ConfChange): void {
    if (this.role !== 'leader') throw new NotLeaderError(this.lead);
    if (this.leadTransferee !== NO_NODE) {
      throw new ProposalDroppedError(`leadership is being transferred to ${this.leadTransferee}`);
    }
    if (!this.committedEntryInCurrentTerm()) {
      // Thesis §4.1 (and its erratum): a new leader must commit an entry of its term before changing membership.
      throw new ConfChangeRejectedError(
        'the leader has not yet committed an entry of its term; retry shortly',
      );
    }
    const pendingIndex = this.configHistory.currentIndex();
    if (pendingIndex > this.log.committed) {
      throw new ConfChangeRejectedError(
        `the membership change at index ${pendingIndex} is not yet committed`,
      );
    }
    const problem = confChangeProblem(this.configHistory.current(), change);
    if (problem !== undefined) throw new ConfChangeRejectedError(problem);
    this.appendEntries([{ type: 'conf-change', data: encodeConfChange(change) }]);
    this.bcastAppend();
  }

  /**
   * Asks for a linearizable read point. When confirmed, a `ReadState` with this `context` appears in a
   * `Ready`; the host serves the read once it has applied up to its index. With `lease`, the leader
   * answers from its lease (no round trip) when the lease holds, and otherwise by a heartbeat round.
   */
  readIndex(context: string, lease: boolean): void {
    if (this.role === 'leader') {
      this.handleReadIndex({
        type: 'read-index',
        from: this.id,
        to: this.id,
        term: 0,
        context,
        leaseRead: lease,
      });
      return;
    }
    if (this.lead === NO_NODE)
      throw new ReadIndexDroppedError('no leader is known to confirm the read');
    this.send({ type: 'read-index', to: this.lead, term: 0, context, leaseRead: lease });
  }

  /** Hands leadership to `target`, or asks the leader to, when called on a follower. */
  transferLeadership(target: NodeId): void {
    if (this.role === 'leader') {
      this.handleTransferLeader(target);
    } else if (this.lead !== NO_NODE) {
      this.send({ type: 'transfer-leader', to: this.lead, term: 0, context: target });
    }
  }

  /**
   * The host could not deliver to `id`. A leader stops streaming to it optimistically. A follower
   * whose connection to its leader failed (the leader's process may be gone) campaigns as soon as
   * its lease allows instead of after a random extra wait: `electionTicks + 1 + 2·rank` ticks after
   * it last heard from the leader (at most `2·electionTicks − 1`, the longest draw), where `rank` is
   * its place among the other voters in id order, so that two followers told together do not
   * campaign on the same tick and split the vote. Its lease
   * is kept whole, so a leader that still lives keeps the guarantee its lease reads rest on (no
   * voter of its lease votes for another candidate before the lease ends), and its next heartbeat
   * puts the timer back where it was.
   */
  reportUnreachable(id: NodeId, why: Unreachability): void {
    if (this.role === 'follower' && why === 'disconnected' && id === this.lead) {
      this.scheduleCampaignAfterLeaderLoss();
      return;
    }
    const progress = this.tracker.progress.get(id);
    if (this.role !== 'leader' || !progress) return;
    if (progress.state === 'replicate') progress.becomeProbe();
  }

  private scheduleCampaignAfterLeaderLoss(): void {
    if (this.leaderLossReported || !this.tracker.isVoter(this.id)) return;
    const others = [...this.tracker.voters].filter((voter) => voter !== this.lead).sort();
    const rank = Math.max(0, others.indexOf(this.id));
    // Within the range the timeout is drawn from, so that a report can never make an election come
    // sooner (or later) than an unlucky (or lucky) draw could have.
    const { electionTicks } = this.config;
    const due = Math.min(electionTicks + 1 + 2 * rank, 2 * electionTicks - 1);
    this.leaderLossReported = true;
    // Set even where the random draw was sooner: ranks differ, draws may not.
    this.randomizedElectionTimeout = due;
    this.logInfo('lost the connection to the leader; campaigns once its lease ends', {
      leader: this.lead,
      inTicks: Math.max(0, due - this.electionElapsed),
    });
  }

  /** The leader was heard from again after its loss was reported: the timer is random again. */
  private leaderHeardAgain(): void {
    if (!this.leaderLossReported) return;
    this.leaderLossReported = false;
    this.randomizedElectionTimeout =
      this.config.electionTicks + this.config.random.nextInt(this.config.electionTicks);
  }

  /** The host finished (or failed) sending a snapshot to `id`. */
  reportSnapshot(id: NodeId, succeeded: boolean): void {
    const progress = this.tracker.progress.get(id);
    if (this.role !== 'leader' || !progress || progress.state !== 'snapshot') return;
    if (!succeeded) progress.pendingSnapshot = 0;
    progress.becomeProbe();
    // Wait for a heartbeat response before probing again.
    progress.msgAppFlowPaused = true;
  }

  /** The host persisted the log up to (index, term). On the leader, that is its own acknowledgement. */
  onPersisted(index: number, term: number): void {
    if (this.role !== 'leader' || this.log.term(index) !== term) return;
    const self = this.tracker.progress.get(this.id);
    if (self?.maybeUpdate(index) && this.maybeCommit()) this.onCommitAdvanced();
  }

  step(m: Message): void {
    if (m.term === 0) {
      // Only requests forwarded by a follower are not bound to a term; anything else is malformed.
      if (m.type !== 'propose' && m.type !== 'read-index' && m.type !== 'transfer-leader') {
        this.logWarn('dropped a message without a term', { from: m.from, type: m.type });
        return;
      }
    } else if (m.term > this.term) {
      if (m.type === 'vote' || m.type === 'pre-vote') {
        const forced = m.context === TRANSFER_CONTEXT;
        const inLease =
          this.config.checkQuorum &&
          (this.role === 'leader' || this.ticksSinceLeaderContact < this.config.electionTicks);
        if (!forced && inLease) {
          // Thesis §4.2.3: we heard from a leader recently; a disruptive candidate must not depose it.
          this.logDebug('ignored a vote request during the leader lease', {
            from: m.from,
            msgTerm: m.term,
          });
          return;
        }
      }
      if (m.type === 'pre-vote' || (m.type === 'pre-vote-response' && !m.reject)) {
        // A pre-vote never changes our term; a granted pre-vote response carries the term we would run for.
      } else if (m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot') {
        this.logInfo('a leader of a newer term appeared', { from: m.from, msgTerm: m.term });
        this.becomeFollower(m.term, m.from);
      } else {
        this.logInfo('a newer term appeared', { from: m.from, msgTerm: m.term, type: m.type });
        this.becomeFollower(m.term, NO_NODE);
      }
    } else if (m.term < this.term) {
      if (
        (this.config.checkQuorum || this.config.preVote) &&
        (m.type === 'heartbeat' || m.type === 'append')
      ) {
        // A deposed leader that cannot hear the new one: tell it our term so it steps down.
        this.send({ type: 'append-response', to: m.from });
      } else if (m.type === 'pre-vote') {
        this.send({ type: 'pre-vote-response', to: m.from, term: this.term, reject: true });
      }
      return;
    }

    if (m.type === 'vote' || m.type === 'pre-vote') {
      this.handleVoteRequest(m);
      return;
    }
    this.stepFn(m);
  }

  // ---------------------------------------------------------------- roles

  private becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.role = 'follower';
    this.stepFn = (m) => this.stepFollower(m);
    this.tickFn = () => this.tickElection();
  }

  private becomePreCandidate(): void {
    if (this.role === 'leader')
      throw new RaftInvariantError('a leader cannot become a pre-candidate');
    // A pre-candidate keeps its term and vote: nothing changes unless the real election starts.
    this.tracker.resetVotes();
    this.lead = NO_NODE;
    this.role = 'pre-candidate';
    this.stepFn = (m) => this.stepCandidate(m);
    this.tickFn = () => this.tickElection();
  }

  private becomeCandidate(): void {
    if (this.role === 'leader') throw new RaftInvariantError('a leader cannot become a candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
    this.stepFn = (m) => this.stepCandidate(m);
    this.tickFn = () => this.tickElection();
  }

  private becomeLeader(): void {
    if (this.role === 'follower')
      throw new RaftInvariantError('a follower cannot become leader without an election');
    this.reset(this.term);
    this.lead = this.id;
    this.role = 'leader';
    this.stepFn = (m) => this.stepLeader(m);
    this.tickFn = () => this.tickHeartbeat();
    this.tracker.progress.get(this.id)?.becomeReplicate();
    // Raft §8: an entry of the new term lets earlier entries commit and confirms reads.
    this.appendEntries([{ type: 'normal', data: EMPTY_DATA }]);
    this.logInfo('became leader', { lastIndex: this.log.lastIndex() });
  }

  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = NO_NODE;
    }
    this.lead = NO_NODE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout =
      this.config.electionTicks + this.config.random.nextInt(this.config.electionTicks);
    this.leadTransferee = NO_NODE;
    this.leaseRevoked = false;
    this.leaderLossReported = false;
    this.tracker.resetVotes();
    this.tracker.resetProgress(this.log.lastIndex() + 1);
    this.tracker.resetRecentActive(this.id);
    this.readOnly.reset();
    this.pendingReadRequests = [];
    this.snapshotAnnounced.clear();
  }

  /** A voter with no snapshot pending may campaign. Learners and removed nodes never do. */
  private promotable(): boolean {
    return this.tracker.isVoter(this.id) && this.log.unstable.snapshot === undefined;
  }

  // ---------------------------------------------------------------- ticks

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(false);
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.config.electionTicks) {
      this.electionElapsed = 0;
      if (this.config.checkQuorum) {
        if (!this.tracker.quorumActive(this.id)) {
          this.logWarn('stepping down: no quorum heard from within an election timeout', {});
          this.becomeFollower(this.term, NO_NODE);
          return;
        }
        this.tracker.resetRecentActive(this.id);
      }
      if (this.leadTransferee !== NO_NODE) {
        this.logInfo('leadership transfer timed out', { transferee: this.leadTransferee });
        this.leadTransferee = NO_NODE;
      }
    }
    if (this.heartbeatElapsed >= this.config.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat(this.readOnly.lastContext());
    }
  }

  // ---------------------------------------------------------------- elections

  private hup(transfer: boolean): void {
    if (this.role === 'leader' || !this.promotable()) return;
    if (transfer || !this.config.preVote) this.campaignFor('election', transfer);
    else this.campaignFor('pre-election', false);
  }

  private campaignFor(kind: 'pre-election' | 'election', transfer: boolean): void {
    let voteType: MessageType;
    let term: number;
    if (kind === 'pre-election') {
      this.becomePreCandidate();
      voteType = 'pre-vote';
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      voteType = 'vote';
      term = this.term;
    }
    this.logInfo(kind === 'pre-election' ? 'starting a pre-vote' : 'starting an election', {
      campaignTerm: term,
      transfer,
    });
    if (this.poll(this.id, true) === 'won') {
      if (kind === 'pre-election') this.campaignFor('election', false);
      else this.becomeLeader();
      return;
    }
    for (const id of this.voteRecipients()) {
      if (id === this.id) continue;
      this.send({
        type: voteType,
        to: id,
        term,
        index: this.log.lastIndex(),
        logTerm: this.log.lastTerm(),
        context: transfer ? TRANSFER_CONTEXT : undefined,
      });
    }
  }

  private voteRecipients(): NodeId[] {
    const ids = [...this.tracker.voters];
    if (this.bugs.has('learner-votes')) ids.push(...this.tracker.learners);
    return ids.sort();
  }

  private poll(from: NodeId, granted: boolean): 'won' | 'lost' | 'pending' {
    this.tracker.recordVote(from, granted);
    return this.tracker.tallyVotes(this.bugs.has('learner-votes'));
  }

  private handleVoteRequest(m: Message): void {
    const canVote =
      this.bugs.has('double-vote') ||
      this.vote === m.from ||
      (this.vote === NO_NODE && this.lead === NO_NODE) ||
      (m.type === 'pre-vote' && m.term > this.term);
    const upToDate =
      this.bugs.has('no-log-up-to-date-check') || this.log.isUpToDate(m.index ?? 0, m.logTerm ?? 0);
    const responseType = m.type === 'vote' ? 'vote-response' : 'pre-vote-response';
    if (canVote && upToDate) {
      // The response carries the candidate's term, so that a granted pre-vote is not mistaken for a stale one.
      this.send({ type: responseType, to: m.from, term: m.term });
      if (m.type === 'vote') {
        this.electionElapsed = 0;
        this.vote = m.from;
        this.logInfo('voted', { candidate: m.from });
      }
    } else {
      this.send({ type: responseType, to: m.from, term: this.term, reject: true });
    }
  }

  // ---------------------------------------------------------------- per-role message handling

  private stepLeader(m: Message): void {
    switch (m.type) {
      case 'propose':
        this.handleForwardedProposal(m);
        return;
      case 'read-index':
        this.handleReadIndex(m);
        return;
      case 'transfer-leader':
        this.handleTransferLeader(m.context ?? m.from);
        return;
      default:
        break;
    }
    const progress = this.tracker.progress.get(m.from);
    if (!progress) return;
    if (m.type === 'append-response') this.handleAppendResponse(m, progress);
    else if (m.type === 'heartbeat-response') this.handleHeartbeatResponse(m, progress);
  }

  private stepCandidate(m: Message): void {
    const responseType: MessageType =
      this.role === 'pre-candidate' ? 'pre-vote-response' : 'vote-response';
    switch (m.type) {
      case 'append':
        this.becomeFollower(m.term, m.from);
        this.handleAppendEntries(m);
        return;
      case 'heartbeat':
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case 'snapshot':
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case responseType: {
        const result = this.poll(m.from, !m.reject);
        if (result === 'won') {
          if (this.role === 'pre-candidate') {
            this.campaignFor('election', false);
          } else {
            this.becomeLeader();
            this.bcastAppend();
          }
        } else if (result === 'lost') {
          this.becomeFollower(this.term, NO_NODE);
        }
        return;
      }
      default:
        // Proposals, reads and transfers have no leader to go to during an election: dropped.
        return;
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'propose':
      case 'read-index':
      case 'transfer-leader':
        // Forwarded as it came: the leader answers the node that asked, not the one in between.
        if (this.lead !== NO_NODE) this.msgs.push({ ...m, to: this.lead, term: 0 });
        return;
      case 'append':
        this.electionElapsed = 0;
        this.leaderHeardAgain();
        this.lead = m.from;
        this.handleAppendEntries(m);
        return;
      case 'heartbeat':
        this.electionElapsed = 0;
        this.leaderHeardAgain();
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case 'snapshot':
        this.electionElapsed = 0;
        this.leaderHeardAgain();
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case 'timeout-now':
        this.logInfo('leadership handed to us', { from: m.from });
        this.hup(true);
        return;
      case 'read-index-response':
        this.readStates.push({ index: m.index ?? 0, context: m.context ?? '' });
        return;
      default:
        return;
    }
  }

  // ---------------------------------------------------------------- replication, follower side

  private handleAppendEntries(m: Message): void {
    this.ticksSinceLeaderContact = 0;
    const index = m.index ?? 0;
    if (index < this.log.committed) {
      this.send({ type: 'append-response', to: m.from, index: this.log.committed });
      return;
    }
    const result = this.log.maybeAppend(index, m.logTerm ?? 0, m.commit ?? 0, m.entries ?? []);
    if (result) {
      this.onEntriesAppended(result.appended);
      this.send({ type: 'append-response', to: m.from, index: result.lastNewIndex });
      return;
    }
    // Tell the leader where our logs may match, so it skips a whole conflicting term at once.
    const hint = this.log.findConflictByTerm(Math.min(index, this.log.lastIndex()), m.logTerm ?? 0);
    this.send({
      type: 'append-response',
      to: m.from,
      index,
      reject: true,
      rejectHint: hint.index,
      logTerm: hint.term,
    });
  }

  private handleHeartbeat(m: Message): void {
    this.ticksSinceLeaderContact = 0;
    this.log.commitTo(m.commit ?? 0);
    this.send({
      type: 'heartbeat-response',
      to: m.from,
      context: m.context,
      sentAtTick: m.sentAtTick,
    });
  }

  private handleSnapshot(m: Message): void {
    this.ticksSinceLeaderContact = 0;
    const snapshot = m.snapshot;
    if (!snapshot) return;
    if (this.restore(snapshot)) {
      this.logInfo('restored a snapshot', {
        index: snapshot.metadata.index,
        snapTerm: snapshot.metadata.term,
      });
      this.send({ type: 'append-response', to: m.from, index: this.log.lastIndex() });
    } else {
      this.send({ type: 'append-response', to: m.from, index: this.log.committed });
    }
  }

  private restore(snapshot: Snapshot): boolean {
    const { index, term, confState } = snapshot.metadata;
    if (index <= this.log.committed) return false;
    // A snapshot older than our addition may not list us; the leader tracks us, and the entries after
    // the snapshot carry the change that added us, so it is still the right thing to install.
    if (this.log.matchTerm(index, term)) {
      // We already have the entries: just move commit forward.
      this.log.commitTo(index);
      return false;
    }
    this.log.restore(snapshot);
    this.configHistory.restore(index, confState);
    this.syncMembership();
    return true;
  }

  // ---------------------------------------------------------------- replication, leader side

  private appendEntries(entries: readonly NewEntry[]): void {
    const lastIndex = this.log.lastIndex();
    const stamped: Entry[] = entries.map((e, i) => ({
      term: this.term,
      index: lastIndex + 1 + i,
      type: e.type,
      data: e.data,
    }));
    this.log.append(stamped);
    this.onEntriesAppended(stamped);
  }

  private handleForwardedProposal(m: Message): void {
    const entries = (m.entries ?? []).filter((e) => e.type === 'normal');
    if (entries.length === 0 || this.leadTransferee !== NO_NODE || !this.tracker.isMember(this.id))
      return;
    this.appendEntries(entries);
    this.bcastAppend();
  }

  private handleAppendResponse(m: Message, progress: Progress): void {
    progress.recentActive = true;
    const index = m.index ?? 0;
    if (m.reject) {
      let probe = m.rejectHint ?? 0;
      if ((m.logTerm ?? 0) > 0) probe = this.log.findConflictByTerm(probe, m.logTerm ?? 0).index;
      if (progress.maybeDecreaseTo(index, probe)) {
        if (progress.state === 'replicate') progress.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    const wasPaused = progress.isPaused();
    // In probe, an acknowledgement of what we already knew still proves where the logs match.
    const probeConfirmed = progress.state === 'probe' && index === progress.match;
    if (!progress.maybeUpdate(index) && !probeConfirmed) return;
    if (progress.state === 'probe') {
      progress.becomeReplicate();
    } else if (progress.state === 'snapshot' && progress.match + 1 >= this.log.firstIndex()) {
      progress.becomeProbe();
      progress.becomeReplicate();
    } else if (progress.state === 'replicate') {
      progress.inflights.freeLE(index);
    }
    if (this.maybeCommit()) {
      this.onCommitAdvanced();
    } else if (wasPaused) {
      this.sendAppend(m.from);
    }
    if (this.role !== 'leader') return;
    // Pipelining: keep the window full.
    while (this.maybeSendAppend(m.from, false)) {
      /* sent one more */
    }
    if (m.from === this.leadTransferee && progress.match === this.log.lastIndex()) {
      this.sendTimeoutNow(m.from);
    }
  }

  private handleHeartbeatResponse(m: Message, progress: Progress): void {
    progress.recentActive = true;
    progress.msgAppFlowPaused = false;
    if (m.sentAtTick !== undefined && m.sentAtTick > progress.leaseAckTick)
      progress.leaseAckTick = m.sentAtTick;
    if (progress.state === 'replicate' && progress.inflights.full())
      progress.inflights.freeFirstOne();
    if (
      progress.state === 'snapshot' &&
      ++progress.snapshotWaitResponses >= this.config.electionTicks
    ) {
      // The member is alive but never acknowledged the snapshot, and the host did not report on it:
      // it was lost. Probe again, which sends a fresh snapshot if one is still needed.
      progress.pendingSnapshot = 0;
      progress.becomeProbe();
    }
    if (progress.match < this.log.lastIndex() || progress.state === 'probe')
      this.sendAppend(m.from);
    if (!m.context) return;
    const acks = this.readOnly.recordAck(m.from, m.context);
    if (!acks || !this.hasVoterMajority(acks)) return;
    for (const read of this.readOnly.confirmUpTo(m.context)) this.answerRead(read);
  }

  private hasVoterMajority(acks: ReadonlySet<NodeId>): boolean {
    if (!this.bugs.has('learner-votes'))
      return hasMajority(this.tracker.voters, (id) => acks.has(id));
    // Planted bug: learners' acknowledgements count towards a majority of the voters.
    let count = 0;
    for (const id of acks) if (this.tracker.isMember(id)) count++;
    return count >= majoritySize(this.tracker.voters.size);
  }

  private maybeCommit(): boolean {
    const index = this.tracker.committedIndex(this.bugs.has('learner-votes'));
    return this.log.maybeCommit(index, this.term, this.bugs.has('commit-old-term'));
  }

  private onCommitAdvanced(): void {
    this.bcastAppend();
    if (this.committedEntryInCurrentTerm() && this.pendingReadRequests.length > 0) {
      const waiting = this.pendingReadRequests;
      this.pendingReadRequests = [];
      for (const request of waiting) this.handleReadIndex(request);
    }
    if (!this.tracker.isVoter(this.id) && this.log.committed >= this.configHistory.currentIndex()) {
      // Thesis §4.2.2: a leader that removed itself steps down once the change is committed.
      this.logInfo('stepping down: this node is no longer a voter', {});
      this.becomeFollower(this.term, NO_NODE);
    }
  }

  private bcastAppend(): void {
    for (const id of this.tracker.progress.keys()) if (id !== this.id) this.sendAppend(id);
  }

  private sendAppend(to: NodeId): void {
    this.maybeSendAppend(to, true);
  }

  /** Sends the next append (or a snapshot) to `to` if flow control allows. Returns whether it sent. */
  private maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const progress = this.tracker.progress.get(to);
    if (!progress || progress.isPaused()) return false;
    const prevIndex = progress.next - 1;
    const prevTerm = this.log.term(prevIndex);
    let entries: Entry[];
    try {
      entries =
        prevTerm === undefined
          ? []
          : this.log.entriesFrom(progress.next, this.config.maxSizePerMsg);
    } catch (error) {
      if (!(error instanceof CompactedError)) throw error;
      return this.maybeSendSnapshot(to, progress);
    }
    if (prevTerm === undefined) return this.maybeSendSnapshot(to, progress);
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({
      type: 'append',
      to,
      index: prevIndex,
      logTerm: prevTerm,
      entries,
      commit: this.log.committed,
    });
    progress.sentEntries(entries.length, entriesSize(entries));
    return true;
  }

  private maybeSendSnapshot(to: NodeId, progress: Progress): boolean {
    if (!progress.recentActive) return false;
    let snapshot: Snapshot;
    try {
      snapshot = this.log.snapshot();
    } catch (error) {
      if (error instanceof SnapshotTemporarilyUnavailableError) return false;
      throw error;
    }
    if (snapshot.metadata.index === 0)
      throw new RaftInvariantError(`${to} needs a snapshot but none exists`);
    progress.becomeSnapshot(snapshot.metadata.index);
    const fields = { to, index: snapshot.metadata.index };
    if (this.snapshotAnnounced.get(to) === snapshot.metadata.index) {
      this.logDebug('sending a snapshot again', fields);
    } else {
      this.snapshotAnnounced.set(to, snapshot.metadata.index);
      this.logInfo('sending a snapshot', fields);
    }
    this.send({ type: 'snapshot', to, snapshot });
    return true;
  }

  private bcastHeartbeat(context: string | undefined): void {
    for (const [id, progress] of this.tracker.progress) {
      if (id === this.id) continue;
      this.send({
        type: 'heartbeat',
        to: id,
        // A follower may not have the entries up to our commit yet: tell it only what it has.
        commit: Math.min(progress.match, this.log.committed),
        context,
        sentAtTick: this.tickCount,
      });
    }
  }

  // ---------------------------------------------------------------- reads

  private committedEntryInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  private handleReadIndex(m: Message): void {
    const context = m.context ?? '';
    if (!this.committedEntryInCurrentTerm()) {
      // Until then our commit index may lag the previous leader's: wait (thesis §6.4 step 1).
      this.pendingReadRequests.push(m);
      return;
    }
    const read = { index: this.log.committed, from: m.from, context };
    const soleVoter = this.tracker.voters.size === 1 && this.tracker.isVoter(this.id);
    if (
      soleVoter ||
      this.bugs.has('readindex-no-heartbeat') ||
      (m.leaseRead === true && this.leaseValid())
    ) {
      this.answerRead(read);
      return;
    }
    this.readOnly.add(read, this.id);
    this.bcastHeartbeat(context);
  }

  /**
   * The lease: a majority confirmed us with heartbeats sent at or after tick T, and each of them will
   * refuse votes for an election timeout after receiving one. So no other leader can exist before
   * T + electionTicks on their clocks; we stop `leaseMarginTicks` earlier on ours to absorb drift.
   */
  private leaseValid(): boolean {
    if (!this.config.checkQuorum || this.leaseRevoked || this.leadTransferee !== NO_NODE)
      return false;
    const leaseStart = this.tracker.quorumLeaseTick(this.id, this.tickCount);
    return this.tickCount < leaseStart + this.config.electionTicks - this.config.leaseMarginTicks;
  }

  private answerRead(read: PendingRead): void {
    if (read.from === this.id || read.from === NO_NODE) {
      this.readStates.push({ index: read.index, context: read.context });
    } else {
      this.send({
        type: 'read-index-response',
        to: read.from,
        index: read.index,
        context: read.context,
      });
    }
  }

  // ---------------------------------------------------------------- leadership transfer

  private handleTransferLeader(target: NodeId): void {
    const progress = this.tracker.progress.get(target);
    if (!progress || progress.isLearner || target === this.id) {
      this.logInfo('ignored a leadership transfer to a node that cannot lead', { target });
      return;
    }
    if (this.leadTransferee === target) return;
    this.leadTransferee = target;
    // The transfer must finish within one election timeout, or it is abandoned.
    this.electionElapsed = 0;
    this.logInfo('transferring leadership', { target });
    if (progress.match === this.log.lastIndex()) this.sendTimeoutNow(target);
    else this.sendAppend(target);
  }

  private sendTimeoutNow(to: NodeId): void {
    this.leaseRevoked = true;
    this.send({ type: 'timeout-now', to });
  }

  // ---------------------------------------------------------------- membership

  private onEntriesAppended(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    this.configHistory.onAppend(entries);
    this.syncMembership();
  }

  /** Makes the tracker follow the membership recorded in the log. */
  private syncMembership(): void {
    const wanted = this.configHistory.current();
    const have = this.tracker.confState();
    if (sameMembers(wanted, have)) return;
    const { added, removed } = this.tracker.applyConfState(wanted, this.log.lastIndex() + 1);
    this.logInfo('membership changed', {
      voters: wanted.voters.join(','),
      learners: wanted.learners.join(','),
      added: added.join(','),
      removed: removed.join(','),
    });
    if (this.role === 'leader') {
      if (removed.includes(this.leadTransferee)) this.leadTransferee = NO_NODE;
      // A smaller quorum may commit what was waiting.
      if (this.maybeCommit()) this.onCommitAdvanced();
      if (this.role !== 'leader') return;
      for (const id of added) if (id !== this.id) this.sendAppend(id);
    } else if (this.role !== 'follower' && !this.tracker.isVoter(this.id)) {
      this.becomeFollower(this.term, NO_NODE);
    }
  }

  // ---------------------------------------------------------------- plumbing

  private loadHardState(hardState: HardState): void {
    if (hardState.commit < this.log.committed || hardState.commit > this.log.lastIndex()) {
      throw new RaftInvariantError(
        `stored commit ${hardState.commit} is outside [${this.log.committed}, ${this.log.lastIndex()}]`,
      );
    }
    this.log.committed = hardState.commit;
    this.term = hardState.term;
    this.vote = hardState.vote;
  }

  private send(m: Omit<Message, 'from' | 'term'> & { term?: number }): void {
    this.msgs.push({ ...m, from: this.id, term: m.term ?? this.term });
  }

  private fields(extra: LogFields): LogFields {
    return { nodeId: this.id, term: this.term, role: this.role, ...extra };
  }

  private logDebug(message: string, extra: LogFields): void {
    this.config.logger.debug(message, this.fields(extra));
  }

  private logInfo(message: string, extra: LogFields): void {
    this.config.logger.info(message, this.fields(extra));
  }

  private logWarn(message: string, extra: LogFields): void {
    this.config.logger.warn(message, this.fields(extra));
  }
}

function sameMembers(a: ConfState, b: ConfState): boolean {
  const key = (c: ConfState): string =>
    `${[...c.voters].sort().join(',')}|${[...c.learners].sort().join(',')}`;
  return key(a) === key(b);
}
