/**
 * A deterministic in-memory network of RawNodes for the Raft core's specs. Every node has a
 * MemoryStorage (its "disk") and a SeededRandom; nothing here reads a clock. The host loop follows the
 * contract of `Ready`: persist, then send, then apply, then advance.
 *
 * The state machine of each node is a list of applied entries that survives a crash along with the
 * storage (the host remembers its applied index), so a restarted node skips entries it already has.
 */
import {
  ConfState,
  Entry,
  HardState,
  MemoryStorage,
  Message,
  MessageType,
  NodeId,
  RaftConfig,
  RaftStatus,
  RawNode,
  Ready,
  ReadState,
  SeededRandom,
  Snapshot,
} from '@falconmind/raft';

/** Config fields a spec may set; id, storage and random are the harness's. */
export type NodeOptions = Partial<Omit<RaftConfig, 'id' | 'storage' | 'random'>>;

export interface ClusterOptions {
  readonly voters: readonly NodeId[];
  readonly learners?: readonly NodeId[];
  /** Seed of every node's random source (each node gets its own stream). Default 1. */
  readonly seed?: number;
  /** Config for every node. */
  readonly config?: NodeOptions;
  /** Per-node config, on top of `config`. */
  readonly nodeConfig?: Readonly<Record<NodeId, NodeOptions>>;
  /** Pre-filled storages (for hand-built logs); other members get a bootstrapped one. */
  readonly storages?: Readonly<Record<NodeId, MemoryStorage>>;
  /** An unreliable network: drops, duplicates, delays and reorders messages. */
  readonly chaos?: Chaos;
  /** Called after each Ready is carried out (before advance), e.g. to check invariants. */
  readonly onReady?: (node: SimNode, rd: Ready) => void;
}

export interface Chaos {
  readonly random: SeededRandom;
  /** Probability that a message is lost. */
  readonly dropRate: number;
  /** Probability that a message is delivered twice (the copy later). */
  readonly duplicateRate: number;
  /** Probability that a message is held back to a later round. */
  readonly delayRate: number;
}

export interface SimNode {
  readonly id: NodeId;
  readonly storage: MemoryStorage;
  readonly options: NodeOptions;
  raw: RawNode;
  crashed: boolean;
  /** Committed entries applied to the state machine, in order, each index once. */
  readonly applied: Entry[];
  /** Highest index applied, from entries or an installed snapshot. */
  appliedIndex: number;
  readonly readStates: ReadState[];
  /** Snapshots installed into the state machine. */
  readonly snapshots: Snapshot[];
  /** Every Ready this node produced, in order. */
  readonly readies: Ready[];
}

/** Returns true to drop the message. */
export type DropFilter = (m: Message) => boolean;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

export function text(data: Uint8Array): string {
  return decoder.decode(data);
}

/** Normal entries with a payload (the leaders' empty entries left out), as text. */
export function payloads(entries: readonly Entry[]): string[] {
  return entries
    .filter((e) => e.type === 'normal' && e.data.byteLength > 0)
    .map((e) => text(e.data));
}

/** How many entries a bootstrapped log starts with (one conf change per founding member). */
export function bootstrapLength(confState: ConfState): number {
  return MemoryStorage.bootstrap(confState).lastIndex();
}

/**
 * A bootstrapped storage whose log goes on by hand: after the bootstrap entries (term 1, indexes 1..B
 * where B = bootstrapLength), entry B + i + 1 has term terms[i] (and data "t<term>i<index>"). The hard
 * state's term defaults to the last entry's term, its vote to none and its commit to B.
 */
export function storageWithLog(
  confState: ConfState,
  terms: readonly number[],
  hardState: Partial<HardState> = {},
): MemoryStorage {
  const storage = MemoryStorage.bootstrap(confState);
  const base = storage.lastIndex();
  storage.append(
    terms.map((term, i) => ({
      term,
      index: base + i + 1,
      type: 'normal' as const,
      data: bytes(`t${term}i${base + i + 1}`),
    })),
  );
  storage.setHardState({
    term: hardState.term ?? Math.max(1, ...terms),
    vote: hardState.vote ?? '',
    commit: hardState.commit ?? base,
  });
  return storage;
}

/** RaftConfig's default electionTicks. */
export const DEFAULT_ELECTION_TICKS = 10;

/**
 * Ticks a lone node through one election timeout: a node whose stored term is above 1 refuses
 * non-forced votes for that long after it starts (with check-quorum), since it may have granted a
 * leader its lease before it went down. Throws if the node campaigned meanwhile (its randomised timeout
 * was exactly `electionTicks`): pick another seed. Whatever it produced is left in its Ready.
 */
export function tickThroughQuietPeriod(
  node: RawNode,
  electionTicks = DEFAULT_ELECTION_TICKS,
): void {
  const { term } = node.status();
  for (let i = 0; i < electionTicks; i++) node.tick();
  const s = node.status();
  if (s.role !== 'follower' || s.term !== term) {
    throw new Error(`${s.id} campaigned while ticking through its quiet period: pick another seed`);
  }
}

/** (index, term) pairs of the entries a storage holds. */
export function storedLog(storage: MemoryStorage): Array<[number, number]> {
  const first = storage.firstIndex();
  const last = storage.lastIndex();
  if (last < first) return [];
  return storage
    .entries(first, last + 1, Number.POSITIVE_INFINITY)
    .map((e): [number, number] => [e.index, e.term]);
}

export class Cluster {
  readonly nodes = new Map<NodeId, SimNode>();
  /** Every message that left a node, in order, delivered or not. */
  readonly sent: Message[] = [];
  /** Every message stepped into a node by the network, in order. */
  readonly delivered: Message[] = [];
  private queue: Message[] = [];
  private readonly isolated = new Set<NodeId>();
  private filters: DropFilter[] = [];
  private readonly seed: number;
  private restarts = 0;

  constructor(private readonly options: ClusterOptions) {
    this.seed = options.seed ?? 1;
    const confState: ConfState = {
      voters: [...options.voters],
      learners: [...(options.learners ?? [])],
    };
    for (const id of [...confState.voters, ...confState.learners]) {
      const storage = options.storages?.[id] ?? MemoryStorage.bootstrap(confState);
      this.addNode(id, storage);
    }
  }

  /** Adds a node to the network (for example one about to join by a conf change). */
  addNode(
    id: NodeId,
    storage: MemoryStorage = new MemoryStorage(),
    options?: NodeOptions,
  ): SimNode {
    const nodeOptions = {
      ...this.options.config,
      ...this.options.nodeConfig?.[id],
      ...options,
    };
    const node: SimNode = {
      id,
      storage,
      options: nodeOptions,
      raw: this.newRawNode(id, storage, nodeOptions),
      crashed: false,
      applied: [],
      appliedIndex: storage.firstIndex() - 1,
      readStates: [],
      snapshots: [],
      readies: [],
    };
    this.nodes.set(id, node);
    return node;
  }

  private newRawNode(id: NodeId, storage: MemoryStorage, options: NodeOptions): RawNode {
    const streamSeed = this.seed * 7919 + this.nodes.size * 104729 + this.restarts * 31;
    return new RawNode({ ...options, id, storage, random: new SeededRandom(streamSeed) });
  }

  node(id: NodeId): SimNode {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`no node ${id}`);
    return node;
  }

  raw(id: NodeId): RawNode {
    return this.node(id).raw;
  }

  status(id: NodeId): RaftStatus {
    return this.raw(id).status();
  }

  liveIds(): NodeId[] {
    return [...this.nodes.values()].filter((n) => !n.crashed).map((n) => n.id);
  }

  /** The live leader of the highest term, if any. */
  leader(): NodeId | undefined {
    let best: RaftStatus | undefined;
    for (const id of this.liveIds()) {
      const s = this.status(id);
      if (s.role === 'leader' && (!best || s.term > best.term)) best = s;
    }
    return best?.id;
  }

  /** Live nodes that believe they lead, whatever their term. */
  leaders(): NodeId[] {
    return this.liveIds().filter((id) => this.status(id).role === 'leader');
  }

  // ------------------------------------------------------------------ faults

  /** Cuts every link to and from `id`. */
  isolate(id: NodeId): void {
    this.isolated.add(id);
  }

  /** Restores every link and removes every drop filter. */
  heal(): void {
    this.isolated.clear();
    this.filters = [];
  }

  /** Drops the messages `filter` selects until `heal()` or the returned remover is called. */
  dropFilter(filter: DropFilter): () => void {
    this.filters.push(filter);
    return () => {
      this.filters = this.filters.filter((f) => f !== filter);
    };
  }

  /** Stops a node; messages to it are lost. Its storage survives. */
  crash(id: NodeId): void {
    this.node(id).crashed = true;
  }

  /** Starts a new RawNode on the crashed (or running) node's storage. */
  restart(id: NodeId): RawNode {
    const node = this.node(id);
    this.restarts++;
    node.raw = this.newRawNode(id, node.storage, node.options);
    node.crashed = false;
    return node.raw;
  }

  private dropped(m: Message): boolean {
    const target = this.nodes.get(m.to);
    if (!target || target.crashed) return true;
    if (this.isolated.has(m.from) || this.isolated.has(m.to)) return true;
    return this.filters.some((f) => f(m));
  }

  // ------------------------------------------------------------------ driving

  /** Carries out one Ready of `id` the way a host must, and returns it. */
  processReady(id: NodeId): Ready {
    const node = this.node(id);
    const rd = node.raw.ready();
    node.readies.push(rd);
    // 1. Persist.
    if (rd.snapshot) node.storage.applySnapshot(rd.snapshot);
    if (rd.entries.length > 0) node.storage.append(rd.entries);
    if (rd.hardState) node.storage.setHardState(rd.hardState);
    // 2. Send.
    for (const m of rd.messages) {
      this.sent.push(m);
      this.queue.push(m);
    }
    // 3. Apply.
    if (rd.snapshot) {
      node.snapshots.push(rd.snapshot);
      node.appliedIndex = Math.max(node.appliedIndex, rd.snapshot.metadata.index);
    }
    for (const entry of rd.committedEntries) {
      if (entry.index <= node.appliedIndex) continue;
      node.applied.push(entry);
      node.appliedIndex = entry.index;
    }
    node.readStates.push(...rd.readStates);
    this.options.onReady?.(node, rd);
    // 4. Advance.
    node.raw.advance();
    return rd;
  }

  /** Delivers every queued message (and only those), unless dropped. Returns how many were stepped. */
  deliverPending(): number {
    const batch = this.queue;
    this.queue = [];
    const chaos = this.options.chaos;
    if (chaos) {
      for (let i = batch.length - 1; i > 0; i--) {
        const j = chaos.random.nextInt(i + 1);
        [batch[i], batch[j]] = [batch[j], batch[i]];
      }
    }
    let stepped = 0;
    for (const m of batch) {
      if (this.dropped(m)) continue;
      if (chaos) {
        if (chaos.random.nextFloat() < chaos.dropRate) continue;
        if (chaos.random.nextFloat() < chaos.delayRate) {
          this.queue.push(m);
          continue;
        }
        if (chaos.random.nextFloat() < chaos.duplicateRate) this.queue.push(m);
      }
      this.delivered.push(m);
      this.raw(m.to).step(m);
      stepped++;
    }
    return stepped;
  }

  /** Steps a hand-made message straight into its target, bypassing the network. */
  inject(m: Message): void {
    this.raw(m.to).step(m);
  }

  /** Processes readies and delivers messages until nothing is left to do. */
  stabilize(maxRounds = 10_000): void {
    for (let round = 0; round < maxRounds; round++) {
      let busy = false;
      for (const id of this.liveIds()) {
        while (this.raw(id).hasReady()) {
          this.processReady(id);
          busy = true;
        }
      }
      if (this.queue.length > 0) {
        this.deliverPending();
        busy = true;
      }
      if (!busy) return;
    }
    throw new Error(`the cluster did not stabilize within ${maxRounds} rounds`);
  }

  /** Ticks the given live nodes (default: all live ones) `n` times, stabilizing after each tick. */
  tick(n = 1, ids?: readonly NodeId[]): void {
    for (let i = 0; i < n; i++) {
      for (const id of ids ?? this.liveIds()) {
        if (!this.node(id).crashed) this.raw(id).tick();
      }
      this.stabilize();
    }
  }

  /**
   * Ticks the given live nodes (default: all live ones) through one election timeout (each its own
   * electionTicks), stabilizing after each tick. Nodes started from a stored term above 1 refuse
   * non-forced votes until then (with check-quorum): they may have granted a leader its lease before
   * they restarted. Throws if one of them campaigned meanwhile (its randomised timeout was exactly
   * electionTicks): pick another seed.
   */
  passQuietPeriod(ids?: readonly NodeId[]): void {
    const targets = (ids ?? this.liveIds()).filter((id) => !this.node(id).crashed);
    const ticks = new Map(
      targets.map((id) => [id, this.node(id).options.electionTicks ?? DEFAULT_ELECTION_TICKS]),
    );
    const before = new Map(targets.map((id) => [id, this.status(id).term]));
    this.stabilize();
    for (let i = 0; i < Math.max(0, ...ticks.values()); i++) {
      for (const id of targets) if (i < (ticks.get(id) ?? 0)) this.raw(id).tick();
      this.stabilize();
    }
    for (const id of targets) {
      const s = this.status(id);
      if (s.role !== 'follower' || s.term !== before.get(id)) {
        throw new Error(
          `${id} campaigned while ticking through its quiet period: pick another seed`,
        );
      }
    }
  }

  /**
   * Ticks every live node until one of `candidates` (default: every live node not isolated) leads in
   * the highest term seen. Returns its id.
   */
  tickUntilLeader(candidates?: readonly NodeId[], maxTicks = 500): NodeId {
    const eligible = candidates ?? this.liveIds().filter((id) => !this.isolated.has(id));
    this.stabilize();
    for (let i = 0; i <= maxTicks; i++) {
      const leader = this.leaderAmong(eligible);
      if (leader !== undefined) return leader;
      this.tick();
    }
    throw new Error(`no leader among ${eligible.join(',')} within ${maxTicks} ticks`);
  }

  private leaderAmong(ids: readonly NodeId[]): NodeId | undefined {
    const maxTerm = Math.max(...ids.map((id) => this.status(id).term));
    return ids.find((id) => {
      const s = this.status(id);
      return s.role === 'leader' && s.term === maxTerm;
    });
  }

  /** Makes `id` campaign now and runs the election to its end; throws if it did not win. */
  elect(id: NodeId): void {
    this.raw(id).campaign();
    this.stabilize();
    const s = this.status(id);
    if (s.role !== 'leader')
      throw new Error(`${id} did not win: it is ${s.role} in term ${s.term}`);
  }

  propose(id: NodeId, payload: string): void {
    this.raw(id).propose(bytes(payload));
  }

  /** Payloads `id` has applied, in order. */
  appliedPayloads(id: NodeId): string[] {
    return payloads(this.node(id).applied);
  }

  /** Messages sent since `since` (an index into `sent`) matching the filter. */
  sentSince(since: number, filter: (m: Message) => boolean = () => true): Message[] {
    return this.sent.slice(since).filter(filter);
  }

  /** Messages of `type` sent from `from` to `to` (either may be omitted). */
  sentOfType(type: MessageType, from?: NodeId, to?: NodeId, since = 0): Message[] {
    return this.sentSince(
      since,
      (m) =>
        m.type === type &&
        (from === undefined || m.from === from) &&
        (to === undefined || m.to === to),
    );
  }
}
