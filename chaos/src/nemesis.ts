/**
 * The nemesis: carries out the schedule's steps against the running cluster, one at a time (fault,
 * hold, heal, quiet gap), and records each in the fault timeline. Which node a step hits is
 * decided now, from the current leader and members and the step's own draw.
 */
import { ChaosCluster, sleep } from './chaos-cluster';
import { FaultTimeline } from './fault-timeline';
import { NemesisSchedule, NemesisStep, TimelineKind } from './nemesis-schedule';
import { Link } from './proxy-mesh';

export interface NemesisOptions {
  readonly cluster: ChaosCluster;
  readonly schedule: NemesisSchedule;
  readonly timeline: FaultTimeline;
  /** Progress lines for the console. */
  readonly log: (line: string) => void;
  /** How long to watch for a joining node's promotion (the schedule does not wait for it). */
  readonly joinTimeoutMs: number;
}

/** Attempts at a step that had to be skipped (no leader known, too few members). */
const ATTEMPTS_PER_STEP = 3;

/** Picks `items[floor(draw * length)]`: the same draw picks the same position again on a replay. */
function pickBy<T>(draw: number, items: readonly T[]): T {
  return items[Math.min(items.length - 1, Math.floor(draw * items.length))];
}

/** Rotates `items` by a draw, so that group splits vary with the step. */
function rotateBy<T>(draw: number, items: readonly T[]): T[] {
  const by = Math.floor(draw * items.length);
  return [...items.slice(by), ...items.slice(0, by)];
}

export class Nemesis {
  private steps = 0;
  private stopping: () => boolean = () => false;
  /** Set by `skip()`: the current attempt injected nothing. */
  private skipped = false;
  /** Watchers still waiting for a joining node's promotion. */
  private readonly watchers = new Set<Promise<void>>();

  constructor(private readonly options: NemesisOptions) {}

  get stepsRun(): number {
    return this.steps;
  }

  /** Runs steps until `isStopping()`; the step in progress is finished and healed first. */
  async run(isStopping: () => boolean): Promise<void> {
    this.stopping = isStopping;
    while (!isStopping()) {
      const step = this.options.schedule.next();
      this.steps++;
      // A step that finds no leader (an election in progress) is tried again shortly, so that a
      // short run still shows every kind of fault.
      for (let attempt = 1; ; attempt++) {
        this.skipped = false;
        try {
          await this.runStep(step);
        } catch (error) {
          this.options.timeline.record({
            event: 'skipped',
            detail: { step: step.kind, error: String(error) },
          });
        }
        if (!this.skipped) this.healAfter(step);
        if (!this.skipped || attempt >= ATTEMPTS_PER_STEP || isStopping()) break;
        await sleep(1000);
      }
      await this.quietGap(step.gapMs, isStopping);
    }
    await Promise.all([...this.watchers]);
  }

  /**
   * Records when a joining node is promoted to voter, without holding up the schedule (booting a
   * node takes a while on a busy machine). Gives up after the join timeout or when the run stops.
   */
  private watchPromotion(nodeId: string): void {
    const { cluster, timeline, joinTimeoutMs } = this.options;
    const started = Date.now();
    const watcher = (async () => {
      while (Date.now() - started < joinTimeoutMs && !this.stopping()) {
        if (await cluster.isVoter(nodeId)) {
          timeline.record({
            event: 'observed',
            kind: 'membership-add',
            nodes: [nodeId],
            detail: { promotedAfterMs: Date.now() - started },
          });
          return;
        }
        await sleep(500);
      }
      timeline.record({
        event: 'observed',
        kind: 'membership-add',
        nodes: [nodeId],
        detail: { notPromotedAfterMs: Date.now() - started },
      });
    })().finally(() => this.watchers.delete(watcher));
    this.watchers.add(watcher);
  }

  private async quietGap(ms: number, isStopping: () => boolean): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until && !isStopping()) await sleep(Math.min(100, until - Date.now()));
  }

  private healAfter(step: NemesisStep): void {
    const restarted = this.options.cluster.healAll();
    this.options.timeline.record({
      event: 'end',
      kind: step.kind === 'membership' ? undefined : step.kind,
      ...(restarted.length > 0 ? { nodes: restarted, detail: { restarted } } : {}),
    });
  }

  private start(
    kind: TimelineKind,
    nodes: readonly string[],
    detail: Record<string, unknown> = {},
    links?: readonly Link[],
  ): void {
    this.options.timeline.record({
      event: 'start',
      kind,
      nodes,
      ...(links ? { links: links.map((l) => `${l.from}->${l.to}`) } : {}),
      detail,
    });
    this.options.log(
      `nemesis: ${kind} ${nodes.join(',')} ${Object.keys(detail).length > 0 ? JSON.stringify(detail) : ''}`.trimEnd(),
    );
  }

  private skip(step: NemesisStep, reason: string): void {
    this.skipped = true;
    this.options.timeline.record({ event: 'skipped', detail: { step: step.kind, reason } });
    this.options.log(`nemesis: skipped ${step.kind}: ${reason}`);
  }

  private async runStep(step: NemesisStep): Promise<void> {
    const { cluster } = this.options;
    const members = cluster.reachableMemberIds();
    const leader = await cluster.leader();
    const needsLeader = ['kill-leader', 'partition-leader', 'leader-transfer'].includes(step.kind);
    if (needsLeader && !leader) return this.skip(step, 'no leader is known');
    if (members.length < 2) return this.skip(step, 'fewer than two reachable members');
    const followers = members.filter((id) => id !== leader);
    switch (step.kind) {
      case 'kill-leader':
      case 'kill-node': {
        const victim = step.kind === 'kill-leader' && leader ? leader : pickBy(step.pick, members);
        this.start(step.kind, [victim], { leader: leader ?? null, downMs: step.holdMs });
        await cluster.node(victim).kill();
        await sleep(step.holdMs);
        return;
      }
      case 'pause-node': {
        // Mostly the leader (a paused leader that wakes up still believing it leads is the
        // interesting case), sometimes a follower.
        const victim = leader && step.pick < 0.5 ? leader : pickBy(step.pick, members);
        this.start('pause-node', [victim], { leader: leader ?? null, pausedMs: step.holdMs });
        cluster.node(victim).pause();
        await sleep(step.holdMs);
        return;
      }
      case 'partition-halves': {
        const order = rotateBy(step.pick, members);
        const minority = order.slice(0, Math.max(1, Math.floor((order.length - 1) / 2)));
        const majority = order.slice(minority.length);
        return this.partition(
          step,
          'partition-halves',
          cluster.mesh.linksBetweenGroups([minority, majority]),
          {
            minority,
            majority,
            leader: leader ?? null,
          },
        );
      }
      case 'partition-leader': {
        const isolated = leader ?? pickBy(step.pick, members);
        return this.partition(
          step,
          'partition-leader',
          cluster.mesh.linksBetweenGroups([[isolated], followers]),
          {
            isolated,
          },
        );
      }
      case 'partition-one-way': {
        const node = leader && step.pick < 0.5 ? leader : pickBy(step.pick, members);
        const others = members.filter((id) => id !== node);
        // Either the node cannot send (others stop hearing it, it still hears them), or it cannot
        // receive: a draw decides.
        const mute = Math.floor(step.pick * 1000) % 2 === 0;
        const links = others.map((other) =>
          mute ? { from: node, to: other } : { from: other, to: node },
        );
        return this.partition(step, 'partition-one-way', links, {
          node,
          direction: mute ? 'cannot send' : 'cannot receive',
          leader: leader ?? null,
        });
      }
      case 'partition-bridge': {
        // Two sides that only one node (not the leader, so that the leader sits on one side) can
        // talk to.
        const bridge = pickBy(step.pick, followers.length > 0 ? followers : members);
        const rest = rotateBy(
          step.pick,
          members.filter((id) => id !== bridge),
        );
        const left = rest.slice(0, Math.ceil(rest.length / 2));
        const right = rest.slice(left.length);
        if (right.length === 0) return this.skip(step, 'too few members for a bridge');
        return this.partition(
          step,
          'partition-bridge',
          cluster.mesh.linksBetweenGroups([left, right]),
          {
            bridge,
            left,
            right,
          },
        );
      }
      case 'latency': {
        const links = cluster.mesh.linksAmong(members);
        this.start('latency', members, { latencyMs: step.latencyMs, jitterMs: step.jitterMs });
        cluster.mesh.degrade(links, { latencyMs: step.latencyMs, jitterMs: step.jitterMs });
        return this.holdWithTransfer(step, leader);
      }
      case 'packet-loss': {
        const links = cluster.mesh.linksAmong(members);
        this.start('packet-loss', members, { lossRate: step.lossRate });
        cluster.mesh.degrade(links, { lossRate: step.lossRate });
        return this.holdWithTransfer(step, leader);
      }
      case 'connection-reset': {
        const links = cluster.mesh.linksAmong(members);
        this.start('connection-reset', members, { everyMs: 500 });
        const until = Date.now() + step.holdMs;
        let resets = 0;
        let transferred = !step.transferDuring;
        while (Date.now() < until) {
          resets += cluster.mesh.resetConnections(links);
          if (!transferred && Date.now() > until - step.holdMs / 2) {
            transferred = true;
            await this.transfer(leader, step.pick);
          }
          await sleep(500);
        }
        this.options.timeline.record({ event: 'observed', detail: { connectionsReset: resets } });
        return;
      }
      case 'membership':
        return this.changeMembership(step, leader, members);
      case 'leader-transfer': {
        // A transfer while the links are slow: the target must catch up and campaign meanwhile.
        const links = cluster.mesh.linksAmong(members);
        cluster.mesh.degrade(links, { latencyMs: step.latencyMs, jitterMs: step.jitterMs });
        this.options.timeline.record({
          event: 'start',
          kind: 'latency',
          nodes: members,
          detail: { latencyMs: step.latencyMs, jitterMs: step.jitterMs, during: 'leader-transfer' },
        });
        await this.transfer(leader, step.pick);
        await sleep(step.holdMs);
        return;
      }
    }
  }

  private async partition(
    step: NemesisStep,
    kind: TimelineKind,
    links: readonly Link[],
    detail: Record<string, unknown>,
  ): Promise<void> {
    this.start(kind, this.options.cluster.reachableMemberIds(), detail, links);
    this.options.cluster.mesh.block(links);
    await this.holdWithTransfer(
      step,
      typeof detail.leader === 'string' ? detail.leader : await this.options.cluster.leader(),
    );
  }

  /** Holds the fault; half-way through, hands leadership over if the step says so. */
  private async holdWithTransfer(step: NemesisStep, leader: string | undefined): Promise<void> {
    if (!step.transferDuring) return sleep(step.holdMs);
    await sleep(step.holdMs / 2);
    await this.transfer(leader ?? (await this.options.cluster.leader()), step.pick);
    await sleep(step.holdMs / 2);
  }

  /** POST /cluster/leader/transfer to a voter other than the leader; the outcome goes on record. */
  private async transfer(leader: string | undefined, draw: number): Promise<void> {
    const { cluster } = this.options;
    const candidates = cluster.reachableMemberIds().filter((id) => id !== leader);
    if (candidates.length === 0) return;
    const target = pickBy(draw, candidates);
    this.start('leader-transfer', [target], { from: leader ?? null });
    const started = Date.now();
    const answer = await cluster.transferLeadership(target);
    this.options.timeline.record({
      event: 'observed',
      kind: 'leader-transfer',
      nodes: [target],
      detail: {
        status: answer?.status ?? null,
        body: answer?.body ?? null,
        ms: Date.now() - started,
      },
    });
  }

  private async changeMembership(
    step: NemesisStep,
    leader: string | undefined,
    members: readonly string[],
  ): Promise<void> {
    const { cluster } = this.options;
    const spare = cluster.spareIds()[0];
    if (spare !== undefined) {
      this.start('membership-add', [spare], { members });
      await cluster.beginJoin(spare);
      this.watchPromotion(spare);
      await sleep(step.holdMs);
      return;
    }
    // Remove someone (sometimes the leader), leaving the cluster at its starting size.
    const victim = leader && step.pick < 0.3 ? leader : pickBy(step.pick, cluster.memberIds());
    this.start('membership-remove', [victim], { leader: leader ?? null });
    const status = await cluster.removeNode(victim, 30_000);
    this.options.timeline.record({
      event: 'observed',
      kind: 'membership-remove',
      nodes: [victim],
      detail: { status },
    });
  }
}
