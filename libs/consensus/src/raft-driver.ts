import {
  bootstrapEntries,
  ConfChange,
  ConfState,
  EMPTY_HARD_STATE,
  Entry,
  HardState,
  MemoryStorage,
  Message,
  NodeId,
  ProposalDroppedError,
  RaftLogger,
  RandomSource,
  RawNode,
  ReadIndexDroppedError,
  Ready,
  SeededRandom,
  SoftState,
  Snapshot,
} from '@falconmind/raft';
import { randomInt } from 'node:crypto';
import { DriverStoppedError, NoLeaderError, OutcomeUnknownError } from './driver-errors';
import { RaftLogStore } from './log-store';
import { ProposalBatcher } from './proposal-batcher';
import { decodeEnvelope, encodeEnvelope, newRequestId } from './proposal-envelope';
import { ReadIndexBatcher } from './read-index-batcher';
import { MemorySnapshotStore, SnapshotStore, writeSnapshotImage } from './snapshot-store';
import { ApplyOutcome, StateMachine } from './state-machine';
import { MonotonicTicker } from './ticker';
import { PeerTransport } from './transport';

export interface RaftDriverOptions {
  readonly nodeId: NodeId;
  readonly logStore: RaftLogStore;
  readonly stateMachine: StateMachine;
  readonly transport: PeerTransport;
  /** The founding membership, used only when nothing is stored yet (a brand-new cluster). */
  readonly bootstrap?: ConfState;
  /** Host data recorded with each founding member's change (its address), by node id. */
  readonly bootstrapContexts?: Readonly<Record<NodeId, string>>;
  /** Milliseconds per Raft tick. */
  readonly tickMs: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  /** Take a snapshot and truncate the log when it holds this many entries past the last snapshot. */
  readonly snapshotThreshold: number;
  /**
   * Where snapshot images are written, sent from and received into; the transport must share it.
   * Default: in memory (tests); a node uses files under its DATA_DIR.
   */
  readonly snapshotStore?: SnapshotStore;
  readonly logger: RaftLogger;
  /** Election jitter; a cryptographically seeded generator by default. */
  readonly random?: RandomSource;
}

/** The outcome of a proposal once the node that took it has applied it. */
/** Where a read was served: see {@link RaftDriver.readPoint}. */
export interface ReadPoint {
  readonly term: number;
  /** The last index this node's state machine has applied. */
  readonly appliedIndex: number;
  /** Milliseconds since this node heard from the leader: 0 on the leader, undefined if none known. */
  readonly leaderContactMs: number | undefined;
}

export interface Applied {
  readonly index: number;
  readonly outcome: ApplyOutcome;
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

const EMPTY = new Uint8Array(0);
/** How long an image sent to a peer is sent again as it is, rather than taken anew. */
const SNAPSHOT_REUSE_MS = 60_000;
/** How long an image is kept after a newer one was made: the idle limit of a transfer. */
const SNAPSHOT_RETAIN_MS = 5 * 60_000;
/**
 * Entries kept in the log behind a compaction (at most; half the threshold when that is less), so
 * that a follower that just installed a snapshot, or fell only a little behind, catches up from the
 * log rather than needing another snapshot at once (etcd keeps 5000 likewise).
 */
const COMPACTION_CATCH_UP_ENTRIES = 5_000;
/**
 * Committed entries applied in one state-machine transaction, at most: large enough that the
 * transaction's own cost is shared by many entries, small enough that the proposals of a batch are
 * answered (and the backlog below re-checked) without waiting for thousands of others.
 */
const MAX_APPLY_BATCH = 256;
/**
 * Committed entries waiting to be applied beyond which the Ready loop waits for the state machine
 * before it takes more work: the bound on how far persisting may run ahead of applying.
 */
const MAX_APPLY_BACKLOG = 10_000;

/**
 * Runs one node's Raft core (DESIGN.md, "The driver"): the ticker and the transport feed the core;
 * each `Ready` is persisted in one transaction (everything proposed meanwhile goes into the next one:
 * group commit), its messages sent, and the core advanced; its committed entries go to the state
 * machine, which applies them in order in a pipeline of its own, releasing the proposals and reads
 * waiting on them, while the loop persists the next `Ready`.
 *
 * What may overlap, and why it is safe:
 * - A leader sends its messages while it persists its own entries (thesis §10.2.1): it counts itself
 *   towards a quorum only once its write is done (`advance` reports it), and its messages depend on
 *   nothing unwritten unless its term or vote changed in this `Ready`, which is then written first.
 *   A follower or candidate always writes before it sends (its acks and votes promise durability).
 * - Applying entries committed in one `Ready` overlaps persisting the next: they are durable (in the
 *   log here and on a quorum) once their `Ready` is written, and the state machine stores its applied
 *   index in the transaction that applies them. Installing a snapshot waits for the applies first.
 * - A hard state whose commit index alone moved is not written by itself: Raft does not need the
 *   commit index durable (a restarted node learns it again from the leader, and the state machine
 *   keeps its own applied index), so it goes with the next write of entries, term or vote.
 */
export class RaftDriver {
  private raw: RawNode | undefined;
  private readonly storage = new MemoryStorage();
  private readonly ticker: MonotonicTicker;
  private readonly proposals = new Map<string, Waiter<Applied>>();
  /** Proposals of one turn of the event loop, handed to the core together. */
  private readonly proposalBatcher = new ProposalBatcher((batch) => {
    if (this.stopped) return;
    this.core.proposeBatch(batch);
    this.kick();
  });
  private readonly reads = new Map<string, Waiter<number>>();
  /** Linearizable reads: one ReadIndex request in flight, shared by the readers behind it. */
  private readonly readIndexReads: ReadIndexBatcher;
  /** The same for lease reads, which the leader answers without a round trip while its lease holds. */
  private readonly leaseReads: ReadIndexBatcher;
  /** Reads whose index is known, waiting for the state machine to reach it. */
  private readonly appliedWaiters: Array<{ index: number; waiter: Waiter<number> }> = [];
  private appliedIndex = 0;
  /** Committed entries handed over by the Ready loop and not yet applied, in log order. */
  private applyBacklog: Entry[] = [];
  /** The pipeline applying `applyBacklog` (settled once it has emptied it). */
  private applying: Promise<void> = Promise.resolve();
  private applyRunning = false;
  /** Called each time the apply pipeline finishes a batch, or stops. */
  private applyProgress: Array<() => void> = [];
  /** The hard state as last written to the log store. */
  private durableHardState: HardState = EMPTY_HARD_STATE;
  /** The newest hard state; ahead of the durable one only in its commit index (see the class). */
  private latestHardState: HardState = EMPTY_HARD_STATE;
  private softState: SoftState = { leader: '', role: 'follower' };
  private processing = false;
  /** The image last sent to each peer, reused while its transfer may still be running. */
  /** Snapshot images made to send, oldest first (see currentImage). */
  private readonly images: Array<{ at: number; snapshot: Snapshot }> = [];
  private imageInFlight: Promise<Snapshot> | undefined;
  /** A snapshot and log truncation under way, if any. */
  private compaction: Promise<void> | undefined;
  /** The Ready loop while it runs. */
  private loop: Promise<void> = Promise.resolve();
  /** Why the node stopped by itself, if it did (a failed write). */
  failure: Error | undefined;
  private stopped = false;
  private nextReadId = 0;
  private readonly roleListeners: Array<(state: SoftState) => void> = [];
  private readonly membershipListeners: Array<() => void> = [];
  private readonly failureListeners: Array<(error: Error) => void> = [];
  /** When each peer was last heard from (monotonic milliseconds). */
  private readonly lastContact = new Map<NodeId, number>();

  private readonly snapshotStore: SnapshotStore;

  constructor(private readonly options: RaftDriverOptions) {
    this.snapshotStore = options.snapshotStore ?? new MemorySnapshotStore();
    this.ticker = new MonotonicTicker(options.tickMs, (ticks) => this.onTicks(ticks));
    // A request lost with a message or a leader is asked again after this long: a little longer
    // than a request waits for a leader to be elected (see `wait`), so that "no leader" still ends
    // the batch with a NoLeaderError, as before batching.
    const retryAfterMs = 3 * this.electionTimeoutMs() + 2 * options.tickMs;
    this.readIndexReads = new ReadIndexBatcher({
      request: (timeoutMs) => this.requestReadIndex(timeoutMs, false),
      retryAfterMs,
    });
    this.leaseReads = new ReadIndexBatcher({
      request: (timeoutMs) => this.requestReadIndex(timeoutMs, true),
      retryAfterMs,
    });
  }

  get nodeId(): NodeId {
    return this.options.nodeId;
  }

  /**
   * Loads the durable state (bootstrapping a new cluster if told to and nothing is stored), then runs.
   * `bootstrap` given here takes the place of the options' (a node that learns its founding
   * membership only at start, from discovery).
   */
  async start(
    bootstrap?: Pick<RaftDriverOptions, 'bootstrap' | 'bootstrapContexts'>,
  ): Promise<void> {
    const founding = bootstrap?.bootstrap ?? this.options.bootstrap;
    const foundingContexts = bootstrap?.bootstrap
      ? bootstrap.bootstrapContexts
      : this.options.bootstrapContexts;
    const persisted = await this.options.logStore.load();
    if (persisted.snapshot)
      this.storage.applySnapshot({ metadata: persisted.snapshot, data: EMPTY });
    this.storage.append(persisted.entries);
    this.durableHardState = persisted.hardState;
    // The commit index is written lazily (see the class), so the stored one may lag behind a
    // compaction; everything the snapshot covers was committed.
    const snapshotIndex = persisted.snapshot?.index ?? 0;
    this.latestHardState =
      persisted.hardState.commit >= snapshotIndex
        ? persisted.hardState
        : { ...persisted.hardState, commit: snapshotIndex };
    this.storage.setHardState(this.latestHardState);
    const fresh =
      persisted.entries.length === 0 && !persisted.snapshot && persisted.hardState.term === 0;
    if (fresh && founding) {
      const entries = bootstrapEntries(founding, foundingContexts);
      const hardState = { term: 1, vote: '', commit: entries.length };
      await this.options.logStore.persist({ hardState, entries });
      this.storage.append(entries);
      this.storage.setHardState(hardState);
      this.durableHardState = hardState;
      this.latestHardState = hardState;
      this.log('info', 'bootstrapped a new cluster', {
        voters: founding.voters.join(','),
      });
    }
    this.appliedIndex = await this.options.stateMachine.appliedIndex();
    this.raw = new RawNode({
      id: this.options.nodeId,
      storage: this.storage,
      electionTicks: this.options.electionTicks,
      heartbeatTicks: this.options.heartbeatTicks,
      random: this.options.random ?? new SeededRandom(randomInt(2 ** 31)),
      logger: this.options.logger,
    });
    this.options.transport.onMessage((message) => this.onMessage(message));
    this.options.transport.onUnreachable((id, why) => this.core.reportUnreachable(id, why));
    await this.options.transport.start();
    this.ticker.start();
    const { voters } = this.core.status().confState;
    if (voters.length === 1 && voters[0] === this.options.nodeId) {
      // Alone in the cluster (the development mode): no one to wait for.
      this.core.campaign();
    }
    this.kick();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.ticker.stop();
    // Let the Ready being written finish, so that nothing is cut half-way (it is atomic anyway).
    await this.loop;
    await this.applying;
    await this.compaction;
    await this.options.transport.close();
    const stopped = new DriverStoppedError();
    this.proposalBatcher.clear();
    this.readIndexReads.close(stopped);
    this.leaseReads.close(stopped);
    for (const waiter of this.proposals.values()) waiter.reject(stopped);
    for (const waiter of this.reads.values()) waiter.reject(stopped);
    for (const { waiter } of this.appliedWaiters) waiter.reject(stopped);
    this.proposals.clear();
    this.reads.clear();
    this.appliedWaiters.length = 0;
  }

  /** Called once if the node stopped by itself because a write failed: the process should exit. */
  onFailure(listener: (error: Error) => void): void {
    this.failureListeners.push(listener);
  }

  /** Called after a membership change was applied here (the replicated member list changed). */
  onMembershipApplied(listener: () => void): void {
    this.membershipListeners.push(listener);
  }

  /** Milliseconds since each peer was last heard from. */
  lastContactMs(): Map<NodeId, number> {
    const now = performance.now();
    return new Map([...this.lastContact].map(([id, at]) => [id, Math.round(now - at)]));
  }

  /** The core; only once `start()` has built it. */
  private get core(): RawNode {
    if (!this.raw) throw new Error('the Raft driver has not started');
    return this.raw;
  }

  /** The current term, or undefined before the node has started. Cheap: for log lines. */
  currentTerm(): number | undefined {
    return this.raw?.basicStatus().term;
  }

  get running(): boolean {
    return !this.stopped;
  }

  /** The last index the state machine has applied (moves only once an apply has committed). */
  get stateMachineApplied(): number {
    return this.appliedIndex;
  }

  /** Called with each change of leader or role. */
  onRoleChange(listener: (state: SoftState) => void): void {
    this.roleListeners.push(listener);
  }

  /**
   * What an answer to a read says about where it was served (term, applied index, how long since
   * the leader was heard from), without the per-member progress `status()` builds: cheap enough to
   * call once per HTTP request.
   */
  readPoint(): ReadPoint {
    const { term, role, leader } = this.core.basicStatus();
    let leaderContactMs: number | undefined;
    if (role === 'leader') leaderContactMs = 0;
    else if (leader) {
      const heardAt = this.lastContact.get(leader);
      if (heardAt !== undefined) leaderContactMs = Math.round(performance.now() - heardAt);
    }
    return { term, appliedIndex: this.appliedIndex, leaderContactMs };
  }

  status(): ReturnType<RawNode['status']> & { readonly stateMachineApplied: number } {
    return { ...this.core.status(), stateMachineApplied: this.appliedIndex };
  }

  /**
   * Proposes `payload` from any node and resolves once this node has applied it. Rejects with
   * NoLeaderError (nothing was proposed: retry) or OutcomeUnknownError after `timeoutMs` (it may yet
   * apply: retry with the same idempotency key, which the state machine uses to apply it only once).
   */
  propose(payload: Uint8Array, timeoutMs: number): Promise<Applied> {
    if (this.stopped) return Promise.reject(new DriverStoppedError());
    const requestId = newRequestId();
    const data = encodeEnvelope({ requestId, payload });
    return this.wait(this.proposals, requestId, timeoutMs, (refused) => {
      this.proposalBatcher.add(data, refused);
    });
  }

  /** Proposes a membership change on the leader; resolves once applied here. */
  proposeConfChange(change: ConfChange, timeoutMs: number): Promise<number> {
    if (this.stopped) return Promise.reject(new DriverStoppedError());
    this.core.proposeConfChange(change);
    const target = this.core.basicStatus().lastIndex;
    this.kick();
    return this.waitForApplied(target, timeoutMs);
  }

  transferLeadership(target: NodeId): void {
    this.core.transferLeadership(target);
    this.kick();
  }

  /**
   * A linearizable read point (ReadIndex, or the leader's lease when `lease`): resolves with an index
   * once this node has applied up to it, so a read of local state then observes every write
   * acknowledged before the call.
   */
  readBarrier(timeoutMs: number, lease = false): Promise<number> {
    if (this.stopped) return Promise.reject(new DriverStoppedError());
    const reads = lease ? this.leaseReads : this.readIndexReads;
    return reads.read(timeoutMs).then((index) => this.waitForApplied(index, timeoutMs));
  }

  /** One ReadIndex request, for a batch of readers (see ReadIndexBatcher). */
  private requestReadIndex(timeoutMs: number, lease: boolean): Promise<number> {
    if (this.stopped) return Promise.reject(new DriverStoppedError());
    const context = `${this.options.nodeId}:${this.nextReadId++}`;
    return this.wait(this.reads, context, timeoutMs, () => {
      this.core.readIndex(context, { lease });
      this.kick();
    });
  }

  /** Resolves once this node's state machine has applied `index`. */
  waitForApplied(index: number, timeoutMs: number): Promise<number> {
    if (this.appliedIndex >= index) return Promise.resolve(this.appliedIndex);
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        const at = this.appliedWaiters.findIndex((w) => w.waiter === waiter);
        if (at >= 0) this.appliedWaiters.splice(at, 1);
        reject(
          new OutcomeUnknownError(`index ${index} was not applied here within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      const waiter: Waiter<number> = {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.appliedWaiters.push({ index, waiter });
    });
  }

  // ------------------------------------------------------------------ inputs

  private onTicks(ticks: number): void {
    if (this.stopped) return;
    for (let i = 0; i < ticks; i++) this.core.tick();
    this.kick();
  }

  private onMessage(message: Message): void {
    if (this.stopped) return;
    this.lastContact.set(message.from, performance.now());
    this.core.step(message);
    this.kick();
  }

  private wait<T>(
    waiters: Map<string, Waiter<T>>,
    key: string,
    timeoutMs: number,
    /** Starts the request; a refusal (no leader yet) is thrown, or reported later to `refused`. */
    start: (refused: (error: unknown) => void) => void,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(key);
        reject(
          new OutcomeUnknownError(`no answer within ${timeoutMs} ms; it may still take effect`),
        );
      }, timeoutMs);
      waiters.set(key, {
        resolve: (value) => {
          clearTimeout(timer);
          waiters.delete(key);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          waiters.delete(key);
          reject(error);
        },
      });
      // During an election no leader can take a request: wait for one (up to a few election
      // timeouts) rather than failing a client that merely arrived at the wrong moment.
      const giveUpAt = Date.now() + Math.min(timeoutMs, 3 * this.electionTimeoutMs());
      const refused = (error: unknown): void => {
        if (this.stopped || !waiters.has(key)) return;
        if (!(error instanceof ProposalDroppedError || error instanceof ReadIndexDroppedError)) {
          waiters.get(key)?.reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        if (Date.now() >= giveUpAt) {
          waiters
            .get(key)
            ?.reject(new NoLeaderError(this.core.basicStatus().leader, error.message));
          return;
        }
        setTimeout(attempt, this.options.tickMs);
      };
      const attempt = (): void => {
        if (this.stopped || !waiters.has(key)) return;
        try {
          start(refused);
        } catch (error) {
          refused(error);
        }
      };
      attempt();
    });
  }

  private electionTimeoutMs(): number {
    return this.options.electionTicks * this.options.tickMs;
  }

  // ------------------------------------------------------------------ the Ready loop

  /** Starts the Ready loop unless it runs already; it picks up whatever the core has by then. */
  private kick(): void {
    if (this.processing || this.stopped) return;
    this.processing = true;
    this.loop = this.processReadies()
      .catch((error: unknown) => this.fail('the Ready loop failed', error))
      .finally(() => {
        this.processing = false;
      });
  }

  /** A failed write leaves the core ahead of the disk: this node must not go on. */
  private fail(what: string, error: unknown): void {
    if (this.stopped) return;
    this.log('warn', `stopping: ${what}`, { error: String(error) });
    const failure = error instanceof Error ? error : new Error(String(error));
    this.failure = failure;
    void this.stop().then(() => {
      for (const listener of this.failureListeners) listener(failure);
    });
  }

  private async processReadies(): Promise<void> {
    while (!this.stopped && this.core.hasReady()) {
      const ready = this.core.ready();
      // A read point is the leader's commit index, confirmed by a quorum: it depends on nothing this
      // node writes, and its readers wait for the state machine to reach it anyway.
      for (const readState of ready.readStates)
        this.reads.get(readState.context)?.resolve(readState.index);
      const sendFirst = this.maySendBeforePersisting(ready);
      if (sendFirst) this.send(ready.messages);
      // A snapshot replaces the state machine's tables: the applies before it must be done.
      if (ready.snapshot) await this.applying;
      await this.persist(ready);
      if (!sendFirst) this.send(ready.messages);
      if (ready.softState) this.onSoftState(ready.softState);
      this.core.advance();
      this.enqueueApply(ready.committedEntries);
      this.maybeCompact();
      // Bounds how far the log runs ahead of the state machine (and the memory that takes).
      while (this.applyRunning && this.applyBacklog.length >= MAX_APPLY_BACKLOG) {
        await new Promise<void>((resume) => this.applyProgress.push(resume));
      }
    }
  }

  /**
   * Whether this Ready's messages may go out before its write: on a leader whose term and vote are
   * already durable (see the class). Everything else writes first.
   */
  private maySendBeforePersisting(ready: Ready): boolean {
    const role = (ready.softState ?? this.softState).role;
    if (role !== 'leader' || ready.snapshot) return false;
    const hardState = ready.hardState;
    return (
      hardState === undefined ||
      (hardState.term === this.durableHardState.term &&
        hardState.vote === this.durableHardState.vote)
    );
  }

  private send(messages: readonly Message[]): void {
    for (const message of messages) {
      if (message.type === 'snapshot') void this.sendSnapshot(message);
      else this.options.transport.send(message);
    }
  }

  private async persist(ready: Ready): Promise<void> {
    const snapshot: Snapshot | undefined = ready.snapshot;
    if (ready.hardState) this.latestHardState = ready.hardState;
    const termOrVoteChanged =
      this.latestHardState.term !== this.durableHardState.term ||
      this.latestHardState.vote !== this.durableHardState.vote;
    if (ready.entries.length === 0 && !snapshot && !termOrVoteChanged) {
      // Only the commit index moved (or nothing): it rides along with the next write.
      this.storage.setHardState(this.latestHardState);
      return;
    }
    const hardState = sameHardState(this.latestHardState, this.durableHardState)
      ? undefined
      : this.latestHardState;
    // The state machine takes the snapshot first (one transaction, with its applied index), then the
    // log records it: a crash in between leaves a state machine ahead of its log, which only skips
    // entries it already has, never a log that claims a state the tables do not hold.
    if (snapshot && snapshot.metadata.index > this.appliedIndex) {
      const started = performance.now();
      await this.options.stateMachine.restore(
        snapshot.metadata.index,
        this.snapshotStore.chunks(snapshot.data),
      );
      this.log('info', 'installed a snapshot in the state machine', {
        index: snapshot.metadata.index,
        ms: Math.round(performance.now() - started),
      });
    }
    if (snapshot) await this.snapshotStore.release(snapshot.data);
    await this.options.logStore.persist({
      hardState,
      entries: ready.entries,
      installedSnapshot: snapshot?.metadata,
    });
    if (hardState) this.durableHardState = hardState;
    if (snapshot) {
      this.storage.applySnapshot({ metadata: snapshot.metadata, data: EMPTY });
      this.setApplied(snapshot.metadata.index);
      for (const listener of this.membershipListeners) listener();
    }
    this.storage.append(ready.entries);
    this.storage.setHardState(this.latestHardState);
  }

  /** Hands committed entries to the apply pipeline, which takes them in order, a batch at a time. */
  private enqueueApply(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    for (const entry of entries) this.applyBacklog.push(entry);
    if (this.applyRunning) return;
    this.applyRunning = true;
    this.applying = this.drainApplyBacklog();
  }

  private async drainApplyBacklog(): Promise<void> {
    try {
      while (!this.stopped && this.applyBacklog.length > 0) {
        // What was committed meanwhile goes into one transaction (up to MAX_APPLY_BATCH entries):
        // one commit for many Readies.
        const batch = this.applyBacklog.splice(0, MAX_APPLY_BATCH);
        await this.applyEntries(batch);
        this.maybeCompact();
        this.notifyApplyProgress();
      }
    } catch (error) {
      this.fail('applying committed entries failed', error);
    } finally {
      // Cleared in the same turn as the last look at the backlog: an entry handed over after it
      // starts a new run, never waits in a backlog no run will take.
      this.applyRunning = false;
      this.notifyApplyProgress();
    }
  }

  private notifyApplyProgress(): void {
    const waiting = this.applyProgress;
    this.applyProgress = [];
    for (const resume of waiting) resume();
  }

  private async applyEntries(entries: readonly Entry[]): Promise<void> {
    // After a restart the core hands out entries again from the snapshot on: skip what is applied.
    const fresh = entries.filter((entry) => entry.index > this.appliedIndex);
    if (fresh.length === 0) return;
    // Proposals are answered as soon as their outcomes are decided, which may be while the batch's
    // transaction commits: committed in the log and deterministic, they cannot change (StateMachine).
    // Reads wait for the applied index, which moves only once the batch is durable.
    let answered = false;
    const answer = (outcomes: readonly ApplyOutcome[]): void => {
      if (answered) return;
      answered = true;
      fresh.forEach((entry, i) => {
        if (entry.type !== 'normal') return;
        const envelope = decodeEnvelope(entry.data);
        if (envelope)
          this.proposals
            .get(envelope.requestId)
            ?.resolve({ index: entry.index, outcome: outcomes[i] });
      });
    };
    answer(await this.options.stateMachine.apply(fresh, answer));
    this.setApplied(fresh[fresh.length - 1].index);
    if (fresh.some((entry) => entry.type === 'conf-change')) {
      for (const listener of this.membershipListeners) listener();
    }
  }

  private setApplied(index: number): void {
    this.appliedIndex = Math.max(this.appliedIndex, index);
    for (let i = this.appliedWaiters.length - 1; i >= 0; i--) {
      const { index: wanted, waiter } = this.appliedWaiters[i];
      if (wanted <= this.appliedIndex) {
        this.appliedWaiters.splice(i, 1);
        waiter.resolve(this.appliedIndex);
      }
    }
  }

  /**
   * The core asks for a snapshot to be sent; the log keeps only its metadata, so the image comes from
   * the state machine now, at its applied index (committed, so any later point is as good).
   */
  private async sendSnapshot(message: Message): Promise<void> {
    try {
      const snapshot = await this.currentImage();
      this.options.transport.send({ ...message, snapshot });
      this.core.reportSnapshot(message.to, true);
    } catch (error) {
      this.log('warn', 'could not send a snapshot', { to: message.to, error: String(error) });
      this.core.reportSnapshot(message.to, false);
    }
    this.kick();
  }

  /**
   * The image to send: the latest one while it is recent and the log still continues right after
   * it (so that the follower needs no other at once), else a new one. One image is made at a time,
   * whichever followers ask: each holds a database connection and a repeatable-read transaction
   * for as long as it streams, and a large one takes a while, during which the core asks again.
   * Sending the same image again also lets the transport continue its transfer instead of
   * starting over.
   */
  private currentImage(): Promise<Snapshot> {
    const latest = this.images[this.images.length - 1];
    if (
      latest !== undefined &&
      performance.now() - latest.at < SNAPSHOT_REUSE_MS &&
      latest.snapshot.metadata.index >= this.storage.firstIndex() - 1
    ) {
      return Promise.resolve(latest.snapshot);
    }
    this.imageInFlight ??= this.makeImage().finally(() => {
      this.imageInFlight = undefined;
    });
    return this.imageInFlight;
  }

  private async makeImage(): Promise<Snapshot> {
    const started = performance.now();
    let index = 0;
    const ref = await writeSnapshotImage(this.snapshotStore, async (sink) => {
      index = await this.options.stateMachine.snapshot(sink);
    });
    const term = this.core.termAt(index);
    if (term === undefined) {
      await this.snapshotStore.release(ref);
      throw new Error(`no term for snapshot index ${index}`);
    }
    const snapshot = {
      metadata: { index, term, confState: this.core.confStateAt(index) },
      data: ref,
    };
    const now = performance.now();
    this.images.push({ at: now, snapshot });
    // Older images may still be on their way to a follower: freed once no transfer can need them.
    while (this.images.length > 1 && now - this.images[0].at > SNAPSHOT_RETAIN_MS) {
      await this.snapshotStore.release(this.images.shift()!.snapshot.data);
    }
    this.log('info', 'made a snapshot image to send', {
      index,
      bytes: await this.snapshotStore.size(ref),
      ms: Math.round(now - started),
    });
    return snapshot;
  }

  /**
   * Once the log holds more than the threshold past the last snapshot, snapshots the state machine
   * and truncates the log, in the background: the snapshot is a repeatable-read copy, so writes go on
   * meanwhile (DESIGN.md: "take one without stopping writes").
   */
  private maybeCompact(): void {
    if (this.compaction) return;
    const firstIndex = this.storage.firstIndex();
    if (this.appliedIndex - firstIndex + 1 <= this.options.snapshotThreshold) return;
    this.compaction = this.compact()
      .catch((error: unknown) => {
        if (!this.stopped) this.log('warn', 'could not compact the log', { error: String(error) });
      })
      .finally(() => {
        this.compaction = undefined;
      });
  }

  private async compact(): Promise<void> {
    const started = performance.now();
    // The state machine's tables are durable up to the applied index: they are the snapshot. The log
    // keeps only its metadata, and a tail of entries for followers that are a little behind; an
    // image is made when a follower needs one (sendSnapshot).
    const keep = Math.min(
      COMPACTION_CATCH_UP_ENTRIES,
      Math.floor(this.options.snapshotThreshold / 2),
    );
    const index = this.appliedIndex - keep;
    const term = this.core.termAt(index);
    if (term === undefined || index < this.storage.firstIndex()) return;
    const metadata = { index, term, confState: this.core.confStateAt(index) };
    await this.options.logStore.compact(metadata);
    if (this.stopped) return;
    this.storage.createSnapshot(index, metadata.confState, EMPTY);
    this.storage.compact(index);
    this.log('info', 'compacted the log with a snapshot', {
      index,
      keptEntries: keep,
      ms: Math.round(performance.now() - started),
    });
  }

  private onSoftState(state: SoftState): void {
    // Only losing a leader matters: learning of one where none was known loses nothing, as nothing
    // could have been forwarded meanwhile.
    const leaderLost = this.softState.leader !== '' && state.leader !== this.softState.leader;
    this.softState = state;
    if (leaderLost) {
      // A read point asked of the old leader may never come: ask the new one (the batcher does, on
      // this error).
      const lost = new OutcomeUnknownError('the leader changed while the read was in flight');
      for (const waiter of [...this.reads.values()]) waiter.reject(lost);
    }
    if (leaderLost && this.proposals.size > 0) {
      // A proposal in flight through the old leader may be lost with it: tell its client now, as
      // retryable, rather than at its timeout. Whether a retry is safe is the command's business: the
      // fleet's creates carry their mission id and its actions an idempotency key.
      const lost = new OutcomeUnknownError(
        'the leader changed while the request was in flight; retry it',
      );
      for (const waiter of [...this.proposals.values()]) waiter.reject(lost);
    }
    for (const listener of this.roleListeners) listener(state);
  }

  private log(
    level: 'info' | 'warn',
    message: string,
    fields: Record<string, string | number>,
  ): void {
    const status = this.raw?.basicStatus();
    this.options.logger[level](message, {
      nodeId: this.options.nodeId,
      term: status?.term ?? 0,
      ...fields,
    });
  }
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
