import {
  ConfChange,
  RaftInvariantError,
  MemoryStorage,
  NodeId,
  RaftConfig,
  RaftError,
  SeededRandom,
} from '@falconmind/raft';
import { PlantedBug, withPlantedBug } from '../testing/planted-bugs';
import { InvariantChecker } from './invariants';
import { SimNetwork } from './sim-network';
import { SimNode } from './sim-node';

export interface Scenario {
  readonly name: string;
  readonly initialVoters: number;
  readonly membershipChanges: boolean;
  /**
   * Instead of random faults, walk the cluster through Figure 8 of the Raft paper with random timing:
   * two deposed leaders with divergent uncommitted tails (each cut off once it is seen leading, which
   * may be after its first appends landed), the older one re-elected and replicating its tail one
   * entry at a time until it is cut off mid-way, then the other one re-elected.
   */
  readonly figure8?: boolean;
}

/** The cluster shapes the seeds cycle through. */
export const SCENARIOS: readonly Scenario[] = [
  { name: '3-voters', initialVoters: 3, membershipChanges: false },
  { name: '5-voters', initialVoters: 5, membershipChanges: false },
  { name: '3-voters+membership', initialVoters: 3, membershipChanges: true },
  { name: '5-voters+membership', initialVoters: 5, membershipChanges: true },
  { name: 'figure-8', initialVoters: 3, membershipChanges: false, figure8: true },
];

export interface SimulationOptions {
  readonly seed: number;
  readonly bug?: PlantedBug;
  /** Restrict to scenarios starting with this many voters. */
  readonly nodes?: 3 | 5;
  /** Ticks of faults before everything heals. */
  readonly faultTicks?: number;
  /** Receives a readable line for each event: messages, faults, leaders, acknowledgements. */
  readonly trace?: (line: string) => void;
}

export interface SimulationResult {
  readonly seed: number;
  readonly scenario: string;
  readonly ticks: number;
  readonly steps: number;
  readonly faults: number;
  readonly acknowledged: number;
  readonly violations: readonly string[];
  /** Why the cluster did not recover after the faults healed, if it did not. */
  readonly livenessFailure?: string;
}

const ELECTION_TICKS = 10;
const MAX_ROUNDS_PER_TICK = 40;
const LIVENESS_BOUND_TICKS = 60 * ELECTION_TICKS;
const MAX_NODES = 7;

interface ScheduledEvent {
  readonly at: number;
  readonly label: string;
  readonly run: () => void;
}

/**
 * One seeded run: a cluster of simulated nodes under a random fault schedule (crashes, pauses,
 * partitions of every shape, loss, duplication, reordering, slow disks, compactions, membership
 * changes, leadership transfers) with clients proposing and reading throughout; then everything heals
 * and the cluster must recover. Every source of choice comes from the seed, so a run replays exactly.
 */
export class Simulation {
  private readonly random: SeededRandom;
  /**
   * Decides when a sender hears that a peer is unreachable, as a host's transport tells it: a
   * source of its own, so that these reports leave the fault schedule of every seed as it was.
   */
  private readonly reportRandom: SeededRandom;
  private readonly network: SimNetwork;
  private readonly checker: InvariantChecker;
  private readonly nodes = new Map<NodeId, SimNode>();
  private readonly scenario: Scenario;
  private readonly trace: (line: string) => void;
  private now = 0;
  private steps = 0;
  private faults = 0;
  private nextValue = 0;
  private nextRead = 0;
  private nextSpare: number;
  private schedule: ScheduledEvent[] = [];
  /** Per seed: from one entry per append message (slow, partial replication) to large batches. */
  private readonly maxSizePerMsg: number;
  /** Per seed: how often the nemesis strikes, from a fault now and then to a storm. */
  private readonly faultRate: number;
  /** Per seed: half the seeds run the defaults, the rest without pre-vote and/or check-quorum. */
  private readonly preVote: boolean;
  private readonly checkQuorum: boolean;
  /**
   * Per seed: in a third of the seeds the nemesis hunts leaders, cutting off or killing each new
   * leader within a few ticks of its election. Short reigns leave logs that diverge at their tails:
   * the ground on which commit rules are tested (Raft paper, Figure 8).
   */
  private readonly leaderHunting: boolean;
  private faultsActive = true;
  private tripwires: Array<{ from: NodeId; remaining: number; crash: boolean }> = [];

  constructor(private readonly options: SimulationOptions) {
    this.random = new SeededRandom(options.seed * 2654435761);
    this.network = new SimNetwork(new SeededRandom(options.seed * 40503 + 7));
    this.reportRandom = new SeededRandom(options.seed * 69069 + 13);
    this.trace = options.trace ?? (() => undefined);
    this.checker = new InvariantChecker(
      () => this.now,
      this.trace,
      (node) => this.huntLeader(node),
    );
    const candidates = SCENARIOS.filter((s) => !options.nodes || s.initialVoters === options.nodes);
    this.scenario = candidates[options.seed % candidates.length];
    this.maxSizePerMsg = this.scenario.figure8 ? 1 : [1, 16, 64, 4096][this.random.nextInt(4)];
    this.faultRate = Number(
      process.env.SIM_FAULT_RATE ?? [0.04, 0.08, 0.15][this.random.nextInt(3)],
    );
    this.leaderHunting = this.random.nextInt(3) === 0;
    const variant = this.random.nextInt(6);
    this.preVote = variant !== 3 && variant !== 5;
    this.checkQuorum = variant !== 4 && variant !== 5;
    const voters = Array.from({ length: this.scenario.initialVoters }, (_, i) => `n${i + 1}`);
    for (const id of voters) {
      this.addNode(id, MemoryStorage.bootstrap({ voters, learners: [] })).start();
    }
    this.nextSpare = voters.length + 1;
  }

  run(): SimulationResult {
    const faultTicks = this.options.faultTicks ?? 300;
    this.trace(
      `seed ${this.options.seed} scenario ${this.scenario.name} bug ${this.options.bug ?? 'none'}`,
    );
    let livenessFailure: string | undefined;
    try {
      this.runSchedule(faultTicks);
      if (this.checker.ok) livenessFailure = this.healAndAwaitRecovery();
    } catch (error) {
      // A core that trips its own invariant checks has failed this seed; anything else is a bug here.
      if (!(error instanceof RaftInvariantError)) throw error;
      this.checker.onViolation(`the core stopped on a broken invariant: ${error.message}`);
    }
    return {
      seed: this.options.seed,
      scenario: this.scenario.name,
      ticks: this.now,
      steps: this.steps,
      faults: this.faults,
      acknowledged: this.checker.acknowledged.size,
      violations: this.checker.violations,
      livenessFailure,
    };
  }

  private runSchedule(faultTicks: number): void {
    if (this.scenario.figure8) this.walkFigure8();
    for (; !this.scenario.figure8 && this.now < faultTicks && this.checker.ok;) {
      this.maybeInjectFault();
      this.clientsAct();
      this.advanceTick();
    }
  }

  // ------------------------------------------------------------------ the clock and the network

  private advanceTick(): void {
    this.now++;
    const due = this.schedule.filter((e) => e.at <= this.now);
    this.schedule = this.schedule.filter((e) => e.at > this.now);
    for (const event of due) {
      this.trace(`${this.now} RECOVER ${event.label}`);
      event.run();
    }
    for (const node of this.nodes.values()) {
      node.tick();
      this.afterStep(node);
    }
    this.reportLostLeaders();
    this.maybeReportSpuriousDisconnect();
    for (let round = 0; round < MAX_ROUNDS_PER_TICK && this.checker.ok; round++) {
      let progressed = false;
      for (const node of this.nodes.values()) {
        while (node.process(this.now, this.network)) {
          progressed = true;
          this.afterStep(node);
        }
      }
      const messages = this.network.takeDue(this.now);
      for (const message of messages) {
        this.springTripwire(message.from);
        if (this.network.isCut(message.from, message.to)) {
          this.maybeReportDisconnect(message.from, message.to);
          continue;
        }
        const target = this.nodes.get(message.to);
        if (!target?.raw) {
          this.maybeReportDisconnect(message.from, message.to);
          continue;
        }
        if (target.paused) {
          this.network.defer(message, this.now + 1);
          continue;
        }
        target.raw.step(message);
        this.afterStep(target);
      }
      if (!progressed && messages.length === 0) break;
    }
  }

  /**
   * A message could not be delivered (the link is cut or the target is down): now and then its
   * sender hears that the connection failed, as a real transport would tell it.
   */
  private maybeReportDisconnect(from: NodeId, to: NodeId): void {
    const sender = this.nodes.get(from);
    if (!sender?.raw || this.reportRandom.nextFloat() >= 0.3) return;
    this.tellDisconnected(sender, to);
  }

  /** `node` hears that its connection to `peer` failed. */
  private tellDisconnected(node: SimNode, peer: NodeId): void {
    this.trace(`${this.now} ${node.id} told its link to ${peer} failed`);
    node.raw?.reportUnreachable(peer, 'disconnected');
    this.afterStep(node);
  }

  /**
   * A transport notices that a connection failed whether or not anything is sent on it: each tick,
   * a node whose leader is down or cut off from it hears so now and then.
   */
  private reportLostLeaders(): void {
    for (const node of this.liveNodes()) {
      const leader = node.raw?.basicStatus().leader;
      if (!leader || leader === node.id) continue;
      const lost =
        !this.nodes.get(leader)?.raw ||
        this.network.isCut(node.id, leader) ||
        this.network.isCut(leader, node.id);
      if (lost && this.reportRandom.nextFloat() < 0.3) this.tellDisconnected(node, leader);
    }
  }

  /**
   * Connections also fail while both ends live (a reset, a proxy restart): now and then a node
   * hears that its link to a peer, often its leader, failed though nothing was lost.
   */
  private maybeReportSpuriousDisconnect(): void {
    if (this.reportRandom.nextFloat() >= 0.02) return;
    const live = this.liveNodes();
    if (live.length < 2) return;
    const node = live[this.reportRandom.nextInt(live.length)];
    const leader = node.raw?.basicStatus().leader;
    const peers = live.filter((peer) => peer.id !== node.id);
    const about =
      leader && leader !== node.id && this.reportRandom.nextFloat() < 0.7
        ? leader
        : peers[this.reportRandom.nextInt(peers.length)].id;
    this.tellDisconnected(node, about);
  }

  private afterStep(node: SimNode): void {
    this.steps++;
    this.checker.afterStep(node);
  }

  // ------------------------------------------------------------------ clients

  private clientsAct(): void {
    const live = this.liveNodes();
    if (live.length === 0) return;
    if (this.random.nextFloat() < 0.5) {
      const node = this.pick(live);
      const value = `v${this.nextValue++}`;
      try {
        node.raw?.propose(new TextEncoder().encode(value));
        node.proposals.add(value);
        this.trace(`${this.now} ${node.id} PROPOSE ${value}`);
      } catch (error) {
        if (!(error instanceof RaftError)) throw error;
      }
    }
    if (this.random.nextFloat() < 0.3) {
      const node = this.pick(live);
      const context = `r${this.nextRead++}`;
      const lease = this.random.nextFloat() < 0.3;
      try {
        // Register first: a leader of a single-voter cluster answers in the same call.
        this.checker.registerRead(context, node.id, this.checker.maxCommitSeen);
        node.raw?.readIndex(context, { lease });
        this.trace(`${this.now} ${node.id} READINDEX ${context}${lease ? ' lease' : ''}`);
      } catch (error) {
        if (!(error instanceof RaftError)) throw error;
      }
    }
  }

  // ------------------------------------------------------------------ the nemesis

  private maybeInjectFault(): void {
    if (this.random.nextFloat() >= this.faultRate) return;
    const faults: Array<() => string | undefined> = [
      () => this.crashNode(),
      () => this.pauseNode(),
      () => this.isolateNode(),
      () => this.splitNetwork(),
      () => this.cutOneWay(),
      () => this.bridgePartition(),
      () => this.flakyLinks(),
      () => this.slowDisk(),
      () => this.compactLog(),
      () => this.transferLeadership(),
      () => this.forceCampaign(),
    ];
    if (this.scenario.membershipChanges) {
      faults.push(
        () => this.changeMembership(),
        () => this.changeMembership(),
      );
    }
    const label = this.pick(faults)();
    if (label) {
      this.faults++;
      this.trace(`${this.now} FAULT ${label}`);
    }
  }

  private huntLeader(leader: SimNode): void {
    if (!this.leaderHunting || !this.faultsActive || this.random.nextFloat() < 0.3) return;
    // Strike in the middle of its first exchanges, not at a tick boundary: after a few of its
    // messages have been delivered, cut it off (the message in hand is lost) or kill it.
    this.tripwires.push({
      from: leader.id,
      remaining: this.random.nextInt(8),
      crash: this.random.nextFloat() < 0.4,
    });
  }

  /** Runs the tripwire set on the sender of `message`, if its count ran out. */
  private springTripwire(from: NodeId): void {
    const index = this.tripwires.findIndex((t) => t.from === from);
    if (index < 0) return;
    const tripwire = this.tripwires[index];
    if (tripwire.remaining-- > 0) return;
    this.tripwires.splice(index, 1);
    const node = this.nodes.get(from);
    if (!node?.up || !this.faultsActive) return;
    this.faults++;
    this.trace(`${this.now} FAULT hunt: ${tripwire.crash ? 'crash' : 'isolate'} ${from}`);
    if (tripwire.crash) {
      node.crash();
      this.network.dropAllTo(from);
      this.later(5 + this.random.nextInt(40), `restart ${from}`, () => this.restart(node));
    } else {
      this.cutOff(from);
    }
  }

  private crashNode(): string | undefined {
    const node = this.random.nextFloat() < 0.5 ? this.leaderNode() : this.pickUp();
    if (!node) return undefined;
    node.crash();
    this.network.dropAllTo(node.id);
    this.later(5 + this.random.nextInt(50), `restart ${node.id}`, () => this.restart(node));
    return `crash ${node.id}`;
  }

  private pauseNode(): string | undefined {
    const node = this.random.nextFloat() < 0.5 ? this.leaderNode() : this.pickUp();
    if (!node || node.paused) return undefined;
    node.paused = true;
    this.later(ELECTION_TICKS + 2 + this.random.nextInt(30), `resume ${node.id}`, () =>
      node.resume(),
    );
    return `pause ${node.id}`;
  }

  private isolateNode(): string | undefined {
    const node = this.random.nextFloat() < 0.6 ? this.leaderNode() : this.pickUp();
    if (!node) return undefined;
    this.cutOff(node.id);
    return `isolate ${node.id}`;
  }

  private cutOff(id: NodeId, healLater = true): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.network.cutLink(id, other);
      this.network.cutLink(other, id);
    }
    if (healLater) this.healPartitionsLater();
  }

  // ------------------------------------------------------------------ the Figure 8 walk

  /** Runs ticks until `done` holds or `maxTicks` pass. */
  private waitUntil(done: () => boolean, maxTicks: number): boolean {
    for (let i = 0; i < maxTicks && this.checker.ok && !done(); i++) this.advanceTick();
    return done();
  }

  private proposeAt(node: SimNode, count: number): void {
    for (let i = 0; i < count; i++) {
      const value = `v${this.nextValue++}`;
      try {
        node.raw?.propose(new TextEncoder().encode(value));
        node.proposals.add(value);
        this.trace(`${this.now} ${node.id} PROPOSE ${value}`);
      } catch (error) {
        if (!(error instanceof RaftError)) throw error;
      }
    }
  }

  private walkFigure8(): void {
    const leaderOtherThan = (...ids: NodeId[]): SimNode | undefined => {
      const leader = this.leaderNode();
      return leader && !ids.includes(leader.id) ? leader : undefined;
    };
    if (!this.waitUntil(() => this.leaderNode() !== undefined, 200)) return;
    this.waitUntil(() => false, this.random.nextInt(20));
    // 1. The first leader takes proposals it cannot replicate.
    const first = this.leaderNode();
    if (!first) return;
    this.trace(`${this.now} FAULT figure-8: cut off ${first.id} with a tail`);
    this.cutOff(first.id, false);
    this.proposeAt(first, 1 + this.random.nextInt(4));
    // 2. The others elect a second leader, cut off before its first message lands; it takes proposals.
    if (!this.waitUntil(() => leaderOtherThan(first.id) !== undefined, 300)) return;
    const second = leaderOtherThan(first.id);
    if (!second) return;
    this.trace(`${this.now} FAULT figure-8: cut off ${second.id} with a tail`);
    this.cutOff(second.id, false);
    this.proposeAt(second, 1 + this.random.nextInt(4));
    this.waitUntil(() => false, 1 + this.random.nextInt(10));
    // 3. The first comes back and may lead again; it is cut off again after a few of its messages.
    this.network.healPartitions();
    this.cutOff(second.id, false);
    this.tripwires.push({ from: first.id, remaining: 2 + this.random.nextInt(10), crash: false });
    this.trace(
      `${this.now} FAULT figure-8: ${first.id} reconnected until it has sent a few messages`,
    );
    this.waitUntil(() => !this.tripwires.some((t) => t.from === first.id), 300);
    this.waitUntil(() => false, this.random.nextInt(30));
    // 4. Everyone but the first is reconnected: the second may lead again.
    this.network.healPartitions();
    this.cutOff(first.id, false);
    this.trace(`${this.now} FAULT figure-8: all but ${first.id} reconnected`);
    this.waitUntil(() => false, 50 + this.random.nextInt(100));
    this.faults += 4;
  }

  private splitNetwork(): string | undefined {
    const ids = [...this.nodes.keys()];
    const side = new Set(ids.filter(() => this.random.nextFloat() < 0.5));
    for (const a of ids)
      for (const b of ids) if (side.has(a) !== side.has(b)) this.network.cutLink(a, b);
    this.healPartitionsLater();
    return `split {${[...side].join(',')}} | {${ids.filter((id) => !side.has(id)).join(',')}}`;
  }

  private cutOneWay(): string | undefined {
    const ids = [...this.nodes.keys()];
    const from = this.pick(ids);
    if (this.random.nextFloat() < 0.5) {
      // The node can still send but hears nothing.
      for (const other of ids) if (other !== from) this.network.cutLink(other, from);
      this.healPartitionsLater();
      return `one-way: nothing reaches ${from}`;
    }
    const to = this.pick(ids.filter((id) => id !== from));
    this.network.cutLink(from, to);
    this.healPartitionsLater();
    return `one-way: ${from} -/-> ${to}`;
  }

  private bridgePartition(): string | undefined {
    const ids = [...this.nodes.keys()];
    if (ids.length < 3) return undefined;
    const bridge = this.pick(ids);
    const others = ids.filter((id) => id !== bridge);
    const left = new Set(others.filter((_, i) => i % 2 === 0));
    for (const a of others)
      for (const b of others) if (left.has(a) !== left.has(b)) this.network.cutLink(a, b);
    this.healPartitionsLater();
    return `bridge through ${bridge}`;
  }

  private flakyLinks(): string {
    this.network.conditions = {
      dropRate: 0.05 + this.random.nextFloat() * 0.25,
      duplicateRate: this.random.nextFloat() * 0.2,
      maxDelayTicks: 1 + this.random.nextInt(6),
    };
    this.later(20 + this.random.nextInt(80), 'links healthy', () => {
      this.network.conditions = { dropRate: 0, duplicateRate: 0, maxDelayTicks: 1 };
    });
    const c = this.network.conditions;
    return `flaky links: drop ${c.dropRate.toFixed(2)} dup ${c.duplicateRate.toFixed(2)} delay<=${c.maxDelayTicks}`;
  }

  private slowDisk(): string | undefined {
    const node = this.pickUp();
    if (!node) return undefined;
    node.diskDelayTicks = 1 + this.random.nextInt(6);
    this.later(20 + this.random.nextInt(60), `disk fast on ${node.id}`, () => {
      node.diskDelayTicks = 0;
    });
    return `slow disk on ${node.id} (${node.diskDelayTicks} ticks)`;
  }

  private compactLog(): string | undefined {
    const node = this.pickUp();
    const index = node?.compact(this.random.nextInt(6));
    return index === undefined || !node ? undefined : `compact ${node.id} to ${index}`;
  }

  private transferLeadership(): string | undefined {
    const leader = this.leaderNode();
    const raw = leader?.raw;
    if (!leader || !raw) return undefined;
    const voters = raw.status().confState.voters.filter((id) => id !== leader.id);
    if (voters.length === 0) return undefined;
    const target = this.pick(voters);
    raw.transferLeadership(target);
    return `transfer leadership ${leader.id} -> ${target}`;
  }

  private forceCampaign(): string | undefined {
    const node = this.pickUp();
    if (!node?.raw) return undefined;
    node.raw.campaign();
    return `campaign ${node.id}`;
  }

  private changeMembership(): string | undefined {
    const leader = this.leaderNode();
    const raw = leader?.raw;
    if (!leader || !raw) return undefined;
    const { voters, learners } = raw.status().confState;
    const options: ConfChange[] = [];
    if (this.nextSpare <= MAX_NODES)
      options.push({ type: 'add-learner', nodeId: `n${this.nextSpare}` });
    for (const id of learners) options.push({ type: 'add-voter', nodeId: id });
    if (voters.length > 2)
      for (const id of voters) options.push({ type: 'remove-node', nodeId: id });
    for (const id of learners) options.push({ type: 'remove-node', nodeId: id });
    if (options.length === 0) return undefined;
    const change = this.pick(options);
    try {
      raw.proposeConfChange(change);
    } catch (error) {
      if (error instanceof RaftError) return undefined;
      throw error;
    }
    if (change.type === 'add-learner') {
      this.nextSpare++;
      this.addNode(change.nodeId, new MemoryStorage()).start();
    }
    return `${change.type} ${change.nodeId} (via ${leader.id})`;
  }

  // ------------------------------------------------------------------ healing and liveness

  /**
   * Stops every fault, restarts crashed members, and requires that a leader emerges and that fresh
   * proposals commit and are applied by every member within a bounded number of ticks.
   */
  private healAndAwaitRecovery(): string | undefined {
    this.trace(`${this.now} HEAL everything`);
    this.faultsActive = false;
    this.tripwires = [];
    for (const event of this.schedule) if (event.label.startsWith('restart')) event.run();
    this.schedule = [];
    this.network.healAll();
    for (const node of this.nodes.values()) {
      node.diskDelayTicks = 0;
      if (!node.up) this.restart(node);
      node.resume();
    }
    const deadline = this.now + LIVENESS_BOUND_TICKS;
    const probes = ['probe-1', 'probe-2', 'probe-3'];
    const proposed = new Set<string>();
    while (this.now < deadline && this.checker.ok) {
      this.advanceTick();
      const leader = this.leaderNode();
      const raw = leader?.raw;
      if (!leader || !raw) continue;
      const members = new Set([
        ...raw.status().confState.voters,
        ...raw.status().confState.learners,
      ]);
      for (const node of this.nodes.values()) {
        // Nodes removed from the cluster are shut down, as an operator would.
        if (!members.has(node.id) && node.up && this.everythingCommitted(raw)) {
          node.crash();
          this.network.dropAllTo(node.id);
        }
      }
      for (const probe of probes) {
        if (proposed.has(probe) && this.checker.acknowledged.has(probe)) continue;
        if (proposed.has(probe) && this.now % (3 * ELECTION_TICKS) !== 0) continue;
        try {
          raw.propose(new TextEncoder().encode(`${probe}@${this.now}`));
          leader.proposals.add(`${probe}@${this.now}`);
          proposed.add(probe);
        } catch (error) {
          if (!(error instanceof RaftError)) throw error;
        }
      }
      const probesDone = probes.every((p) =>
        [...this.checker.acknowledged.keys()].some((value) => value.startsWith(`${p}@`)),
      );
      const memberNodes = [...members]
        .map((id) => this.nodes.get(id))
        .filter((n): n is SimNode => !!n);
      const status = raw.basicStatus();
      const converged = memberNodes.every((n) => n.up && n.appliedIndex === status.commit);
      if (probesDone && converged && status.commit === status.lastIndex) {
        this.checker.checkConvergence(memberNodes);
        return undefined;
      }
    }
    if (!this.checker.ok) return undefined;
    const leader = this.leaderNode();
    const state = [...this.nodes.values()]
      .map((n) => {
        const s = n.raw?.basicStatus();
        return s ? `${n.id}:${s.role}/t${s.term}/c${s.commit}/a${n.appliedIndex}` : `${n.id}:down`;
      })
      .join(' ');
    return `no recovery within ${LIVENESS_BOUND_TICKS} ticks of healing (leader ${leader?.id ?? 'none'}; ${state})`;
  }

  /** The leader has committed its whole log, so any removal in it is final. */
  private everythingCommitted(leader: NonNullable<SimNode['raw']>): boolean {
    const status = leader.basicStatus();
    return status.commit === status.lastIndex;
  }

  // ------------------------------------------------------------------ helpers

  private addNode(id: NodeId, storage: MemoryStorage): SimNode {
    let incarnation = 0;
    const makeConfig = (nodeId: NodeId, nodeStorage: MemoryStorage): RaftConfig => {
      incarnation++;
      const config: RaftConfig = {
        id: nodeId,
        storage: nodeStorage,
        electionTicks: ELECTION_TICKS,
        heartbeatTicks: 1,
        maxInflightMsgs: 4,
        maxSizePerMsg: this.maxSizePerMsg,
        preVote: this.preVote,
        checkQuorum: this.checkQuorum,
        random: new SeededRandom(
          this.options.seed * 1000003 + Number(nodeId.slice(1)) * 101 + incarnation,
        ),
      };
      return this.options.bug ? withPlantedBug(config, this.options.bug) : config;
    };
    const node = new SimNode(id, storage, makeConfig, this.checker);
    this.nodes.set(id, node);
    return node;
  }

  private restart(node: SimNode): void {
    if (node.up) return;
    node.start();
    this.checker.onRestart(node);
  }

  private later(ticks: number, label: string, run: () => void): void {
    this.schedule.push({ at: this.now + ticks, label, run });
  }

  private healPartitionsLater(): void {
    this.later(15 + this.random.nextInt(70), 'partitions healed', () =>
      this.network.healPartitions(),
    );
  }

  private liveNodes(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.up && !n.paused);
  }

  private pickUp(): SimNode | undefined {
    const up = [...this.nodes.values()].filter((n) => n.up);
    return up.length > 0 ? this.pick(up) : undefined;
  }

  /** The live node that believes it leads with the highest term. */
  private leaderNode(): SimNode | undefined {
    let best: SimNode | undefined;
    let bestTerm = -1;
    for (const node of this.nodes.values()) {
      const status = node.raw?.basicStatus();
      if (status?.role === 'leader' && !node.paused && status.term > bestTerm) {
        best = node;
        bestTerm = status.term;
      }
    }
    return best;
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.random.nextInt(items.length)];
  }
}

export function runSimulation(options: SimulationOptions): SimulationResult {
  return new Simulation(options).run();
}
