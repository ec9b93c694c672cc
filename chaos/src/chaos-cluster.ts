/**
 * The cluster under test: a fixed set of node slots (the voters to start with, plus one kept aside
 * for membership changes), each with its ports, its database and its process, every Raft link
 * through the proxy mesh. It knows which slots are members, starts and stops their processes, and
 * speaks the cluster API (leader, membership, transfer) with bounded waits.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { freePortPair } from '../../test/support/node-process';
import { NodeDatabases } from './node-databases';
import { NodeProcessControl, PeerAddress } from './node-process-control';
import { ProxyMesh } from './proxy-mesh';
import { SeededRandom } from './seeded-random';
import { ClientTarget } from './workload-client';

export const RAFT_TICK_MS = 50;
export const RAFT_ELECTION_TICKS = 10;
/** The longest a follower waits for a leader before campaigning: [n, 2n) ticks. */
export const MAX_ELECTION_TIMEOUT_MS = 2 * RAFT_TICK_MS * RAFT_ELECTION_TICKS;

export interface ClusterSettings {
  readonly voters: number;
  readonly spareNodes: number;
  readonly snapshotThreshold: number;
  readonly plantedBug: string | undefined;
  readonly logDir: string;
}

/** `GET /cluster/info`, the fields the harness uses. */
export interface NodeView {
  readonly node_id: string;
  readonly leader: string | null;
  readonly is_leader: boolean;
  readonly role: string;
  readonly term: number;
  readonly commit_index: number;
  readonly applied_index: number;
  readonly snapshot_index: number;
  readonly nodes: ReadonlyArray<{ readonly node_id: string; readonly suffrage: string }>;
}

/** A node process that ended without the harness asking it to. */
export interface NodeCrash {
  readonly nodeId: string;
  readonly code: number | null;
  readonly signal: string | null;
  readonly at: string;
  readonly lastLines: readonly string[];
}

/** How long a joining node may take to boot and register before the harness gives up on it. */
const JOIN_GRACE_MS = 90_000;

/** How long after a crash the harness, acting as the node's supervisor, starts it again. */
const RESTART_AFTER_CRASH_MS = 1000;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class ChaosCluster {
  readonly secret = randomBytes(18).toString('hex');
  private readonly members = new Set<string>();
  private readonly incarnations = new Map<string, number>();
  private readonly databaseUrls = new Map<string, string>();
  private founded = false;
  private closing = false;
  /** When each joining node was started with an empty database, until the leader lists it. */
  private readonly joinStartedAt = new Map<string, number>();
  readonly crashes: NodeCrash[] = [];

  private constructor(
    private readonly settings: ClusterSettings,
    readonly databases: NodeDatabases,
    readonly mesh: ProxyMesh,
    readonly nodes: readonly NodeProcessControl[],
  ) {}

  /** Allocates ports, starts the proxies and prepares (but does not start) every node. */
  static async prepare(
    settings: ClusterSettings,
    databases: NodeDatabases,
    random: SeededRandom,
  ): Promise<ChaosCluster> {
    const slots: Array<{ nodeId: string; httpPort: number }> = [];
    for (let i = 1; i <= settings.voters + settings.spareNodes; i++) {
      slots.push({ nodeId: `n${i}`, httpPort: await freePortPair() });
    }
    const mesh = await ProxyMesh.start(
      slots.map((s) => ({ nodeId: s.nodeId, raftPort: s.httpPort + 1 })),
      random.fork(),
    );
    const nodes = slots.map(
      (s) =>
        new NodeProcessControl(
          s.nodeId,
          s.httpPort,
          s.httpPort + 1,
          path.join(settings.logDir, `${s.nodeId}.log`),
        ),
    );
    return new ChaosCluster(settings, databases, mesh, nodes);
  }

  node(nodeId: string): NodeProcessControl {
    const node = this.nodes.find((n) => n.nodeId === nodeId);
    if (!node) throw new Error(`no node ${nodeId}`);
    return node;
  }

  /** The slots the harness believes are members, in slot order. */
  memberIds(): string[] {
    return this.nodes.map((n) => n.nodeId).filter((id) => this.members.has(id));
  }

  /** Slots that are not members: candidates for joining. */
  spareIds(): string[] {
    return this.nodes.map((n) => n.nodeId).filter((id) => !this.members.has(id));
  }

  /** Members whose process runs and is not paused. */
  reachableMemberIds(): string[] {
    return this.memberIds().filter((id) => this.node(id).alive && !this.node(id).paused);
  }

  /** Where clients send requests: every member, even one that is down (it is refused then). */
  clientTargets(): ClientTarget[] {
    return this.memberIds().map((id) => ({
      nodeId: id,
      url: this.node(id).url,
      incarnation: this.incarnations.get(id) ?? 0,
    }));
  }

  /**
   * Starts the first voter alone; once it leads, starts the others together, each joining through
   * the members (the leader adds them one at a time as they ask). Resolves once all are voters.
   */
  async boot(timeoutMs: number): Promise<void> {
    const voters = this.nodes.slice(0, this.settings.voters);
    for (const node of voters) {
      this.databaseUrls.set(node.nodeId, await this.databases.createEmpty(node.nodeId));
      this.incarnations.set(node.nodeId, 1);
    }
    const deadline = Date.now() + timeoutMs;
    const [founder, ...joiners] = voters;
    this.members.add(founder.nodeId);
    this.launch(founder.nodeId);
    this.founded = true;
    await this.waitUntil(`${founder.nodeId} to found the cluster`, deadline, async () => {
      const view = await this.view(founder.nodeId);
      return view?.is_leader ?? false;
    });
    for (const node of joiners) this.members.add(node.nodeId);
    for (const node of joiners) this.launch(node.nodeId);
    await this.waitUntil('every node to be a voter', deadline, async () => {
      const view = await this.view(founder.nodeId);
      const voterIds = view ? ChaosCluster.votersOf(view) : [];
      return joiners.every((n) => voterIds.includes(n.nodeId));
    });
  }

  /** The node's DATA_DIR (its snapshot images): inside the run's folder, never shared. */
  private dataDirOf(nodeId: string): string {
    return path.join(this.settings.logDir, `${nodeId}-data`);
  }

  /** (Re)starts a member's process with its database as it is. */
  launch(nodeId: string): void {
    const node = this.node(nodeId);
    const databaseUrl = this.databaseUrls.get(nodeId);
    if (!databaseUrl) throw new Error(`${nodeId} has no database`);
    node.start({
      databaseUrl,
      dataDir: this.dataDirOf(nodeId),
      // The founder starts alone exactly once; every other start names the members to reach.
      peers: this.founded ? this.peersOf(nodeId) : [],
      routes: this.mesh.routesFor(nodeId),
      env: {
        RAFT_TICK_MS: String(RAFT_TICK_MS),
        RAFT_ELECTION_TICKS: String(RAFT_ELECTION_TICKS),
        SNAPSHOT_THRESHOLD: String(this.settings.snapshotThreshold),
        // Nobody sends heartbeats here: keep the UAVs from going OFFLINE, which would refuse dispatch.
        UAV_OFFLINE_AFTER_S: '86400',
        CLUSTER_SECRET: this.secret,
        LOG_LEVEL: 'info',
        ...(this.settings.plantedBug ? { FALCONMIND_PLANTED_BUG: this.settings.plantedBug } : {}),
      },
    });
  }

  /**
   * Brings a spare slot in: an empty database, started with the members as PEER_NODES; it registers
   * itself as a learner and the leader promotes it once caught up (see `isVoter`). Returns once the
   * process is started: a node takes a while to boot on a busy machine, and the faults go on.
   */
  async beginJoin(nodeId: string): Promise<void> {
    await rm(this.dataDirOf(nodeId), { recursive: true, force: true });
    this.databaseUrls.set(nodeId, await this.databases.createEmpty(nodeId));
    this.incarnations.set(nodeId, (this.incarnations.get(nodeId) ?? 0) + 1);
    this.members.add(nodeId);
    this.joinStartedAt.set(nodeId, Date.now());
    this.launch(nodeId);
  }

  /** Whether the leader lists `nodeId` as a voter. */
  async isVoter(nodeId: string): Promise<boolean> {
    const leader = await this.leader();
    const view = leader ? await this.view(leader) : undefined;
    return view?.nodes.some((m) => m.node_id === nodeId && m.suffrage === 'voter') ?? false;
  }

  /**
   * Removes a member through the API (any reachable member forwards to the leader), then stops its
   * process. Returns the HTTP status of the removal (0 when no node answered).
   */
  async removeNode(nodeId: string, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let status = 0;
    while (Date.now() < deadline) {
      const via = this.reachableMemberIds().filter((id) => id !== nodeId);
      if (via.length === 0) break;
      const answer = await this.clusterCall(via[0], 'DELETE', `/cluster/nodes/${nodeId}`);
      status = answer?.status ?? 0;
      if (status === 200 || status === 404) break;
      await sleep(300);
    }
    if (status === 200 || status === 404) {
      this.members.delete(nodeId);
      await this.node(nodeId).kill();
    }
    return status;
  }

  /** Asks for a leadership transfer (to `target`, or the best voter); resolves with the answer. */
  async transferLeadership(
    target: string | undefined,
  ): Promise<{ status: number; body: unknown } | undefined> {
    const via = this.reachableMemberIds();
    if (via.length === 0) return undefined;
    return this.clusterCall(
      via[0],
      'POST',
      '/cluster/leader/transfer',
      target ? { node_id: target } : {},
    );
  }

  /** The leader as the reachable members see it: the one named in the highest term. */
  async leader(): Promise<string | undefined> {
    const views = await Promise.all(this.reachableMemberIds().map((id) => this.view(id)));
    let best: NodeView | undefined;
    for (const view of views) {
      if (view?.leader && (!best || view.term > best.term)) best = view;
    }
    return best?.leader ?? undefined;
  }

  /** The voters the given view knows (itself included when it is one). */
  static votersOf(view: NodeView): string[] {
    const others = view.nodes.filter((n) => n.suffrage === 'voter').map((n) => n.node_id);
    return view.role === 'learner' ? others : [view.node_id, ...others];
  }

  async view(nodeId: string, timeoutMs = 1500): Promise<NodeView | undefined> {
    try {
      const response = await fetch(`${this.node(nodeId).url}/cluster/info`, {
        signal: AbortSignal.timeout(timeoutMs),
      });
      return response.status === 200 ? ((await response.json()) as NodeView) : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Acts as the nodes' supervisor: a member whose process ends by itself (the node is crash-only:
   * it exits when a write fails) is started again after a second. Each crash is reported to
   * `onCrash` and kept in `crashes`, since a crash is worth a look even when the checks pass.
   */
  superviseCrashes(onCrash: (crash: NodeCrash) => void): void {
    for (const node of this.nodes) {
      node.onExit((exit) => {
        if (exit.expected || this.closing) return;
        const crash: NodeCrash = {
          nodeId: node.nodeId,
          code: exit.code,
          signal: exit.signal,
          at: new Date().toISOString(),
          lastLines: exit.lastLines,
        };
        this.crashes.push(crash);
        onCrash(crash);
        setTimeout(() => {
          if (!this.closing && this.members.has(node.nodeId) && !node.alive)
            this.launch(node.nodeId);
        }, RESTART_AFTER_CRASH_MS);
      });
    }
  }

  /** Undoes every fault: links healed, paused members continued, dead members restarted. */
  healAll(): string[] {
    this.mesh.healAll();
    const restarted: string[] = [];
    for (const id of this.memberIds()) {
      const node = this.node(id);
      node.resume();
      if (!node.alive) {
        this.launch(id);
        restarted.push(id);
      }
    }
    return restarted;
  }

  /**
   * Waits for a quiet, agreed cluster: one leader, the harness's members matching the leader's
   * member list (a removal that answered ambiguously is reconciled here), and every member at the
   * leader's commit index. Returns the members' views, or throws with the last ones seen.
   */
  async settle(timeoutMs: number): Promise<NodeView[]> {
    const deadline = Date.now() + timeoutMs;
    let last: Array<NodeView | undefined> = [];
    while (Date.now() < deadline) {
      // Whatever went down meanwhile (a crash, a node that failed to start) is started again.
      this.healAll();
      const leaderId = await this.leader();
      const leaderView = leaderId ? await this.view(leaderId) : undefined;
      if (leaderView && leaderView.is_leader) {
        const actual = [leaderView.node_id, ...leaderView.nodes.map((n) => n.node_id)];
        await this.reconcileMembers(actual);
        last = await Promise.all(this.memberIds().map((id) => this.view(id)));
        const learners = leaderView.nodes.filter((n) => n.suffrage !== 'voter');
        const agreed =
          learners.length === 0 &&
          last.every(
            (v) =>
              v !== undefined &&
              v.leader === leaderView.node_id &&
              v.applied_index === leaderView.commit_index &&
              v.commit_index === leaderView.commit_index,
          );
        if (agreed) return last as NodeView[];
      }
      await sleep(250);
    }
    throw new Error(
      `the cluster did not settle within ${timeoutMs} ms; last views: ${JSON.stringify(last)}`,
    );
  }

  /** Kills every process, closes the proxies and the node logs. Never throws. */
  async shutdown(): Promise<void> {
    this.closing = true;
    await Promise.all(this.nodes.map((n) => n.kill().catch(() => undefined)));
    await this.mesh.close().catch(() => undefined);
    await Promise.all(this.nodes.map((n) => n.closeLog().catch(() => undefined)));
    // Snapshot images are transient (the tables are the state): not worth keeping in the results.
    await Promise.all(
      this.nodes.map((n) =>
        rm(this.dataDirOf(n.nodeId), { recursive: true, force: true }).catch(() => undefined),
      ),
    );
  }

  /** Synchronous last resort (process exit): SIGKILL every node still running. */
  killAllNow(): void {
    this.closing = true;
    for (const node of this.nodes) node.killNow();
  }

  private async reconcileMembers(actual: readonly string[]): Promise<void> {
    for (const id of actual) this.joinStartedAt.delete(id);
    for (const id of this.memberIds()) {
      // A node still booting to join is not listed yet: give it time rather than drop it.
      const joining = this.joinStartedAt.get(id);
      if (joining !== undefined && Date.now() - joining < JOIN_GRACE_MS && this.node(id).alive) {
        continue;
      }
      if (!actual.includes(id)) {
        this.joinStartedAt.delete(id);
        this.members.delete(id);
        await this.node(id).kill();
      }
    }
    for (const id of actual) {
      if (!this.members.has(id) && this.databaseUrls.has(id)) {
        this.members.add(id);
        if (!this.node(id).alive) this.launch(id);
      }
    }
  }

  private peersOf(nodeId: string): PeerAddress[] {
    return this.memberIds()
      .filter((id) => id !== nodeId)
      .map((id) => ({ node_id: id, address: '127.0.0.1', port: this.node(id).httpPort }));
  }

  private async clusterCall(
    viaNodeId: string,
    method: 'POST' | 'DELETE',
    pathname: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown } | undefined> {
    try {
      const response = await fetch(`${this.node(viaNodeId).url}${pathname}`, {
        method,
        headers: {
          'x-falconmind-cluster-secret': this.secret,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(20_000),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // keep the text
      }
      return { status: response.status, body: parsed };
    } catch {
      return undefined;
    }
  }

  private async waitUntil(
    what: string,
    deadline: number,
    check: () => Promise<boolean>,
  ): Promise<void> {
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(200);
    }
  }
}
