import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sleep } from '../clock';
import { onCleanup } from '../cleanup-registry';
import { LoadTarget } from '../load/load-protocol';
import { logProgress, logWarning } from '../progress-log';
import { MonitoredProcess } from '../usage-monitor';
import { POSTGRES_SUFFIX } from '../workloads/measure-load';
import {
  backendPids,
  createBenchDatabase,
  dropBenchDatabase,
  queryDatabase,
} from './bench-databases';
import { FalconMindNode } from './falconmind-node';
import { freePortPair } from '../../../test/support/node-process';
import { MemberProgress, SystemUnderTest } from './system-under-test';
import { NodeEntry } from './node-entry';

/** The parts of GET /cluster/info the benchmark reads. */
interface ClusterInfo {
  readonly node_id: string;
  readonly leader: string | null;
  readonly commit_index: number;
  readonly applied_index: number;
  readonly snapshot_index: number;
  readonly nodes: ReadonlyArray<{ node_id: string; suffrage: string; address: string | null }>;
}

const POLL_MS = 100;
/** The node's default SNAPSHOT_THRESHOLD (docs/cluster-node.md), in force unless a start overrides it. */
const DEFAULT_SNAPSHOT_THRESHOLD = 10_000;
const STARTUP_AGREEMENT_MS = 90_000;

/**
 * Three FalconMind nodes on loopback, each its own process with its own PostgreSQL database, formed
 * as a real deployment is: node-1 founds the cluster, the others join through the ones before them.
 */
export class FalconMindCluster implements SystemUnderTest {
  readonly name = 'falconmind' as const;
  private readonly backends = new Map<number, number[]>();

  private constructor(
    private readonly nodes: readonly FalconMindNode[],
    private readonly databases: ReadonlyArray<{ name: string; url: string }>,
  ) {}

  static async start(
    size: number,
    entry: NodeEntry,
    extraEnv: Record<string, string> = {},
  ): Promise<FalconMindCluster> {
    const nodes: FalconMindNode[] = [];
    const databases: Array<{ name: string; url: string }> = [];
    const dataDirs: string[] = [];
    onCleanup('FalconMind databases and data dirs', async () => {
      for (const node of nodes) await node.kill();
      for (const database of databases) await dropBenchDatabase(database.name);
      for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
    });
    for (let i = 1; i <= size; i++) {
      const nodeId = `node-${i}`;
      const database = await createBenchDatabase(nodeId);
      databases.push(database);
      const dataDir = await mkdtemp(path.join(tmpdir(), `falconmind-bench-${nodeId}-`));
      dataDirs.push(dataDir);
      const node = new FalconMindNode({
        nodeId,
        httpPort: await freePortPair(),
        databaseUrl: database.url,
        dataDir,
        entry,
        peers: nodes.map((peer) => ({
          node_id: peer.spec.nodeId,
          address: '127.0.0.1',
          port: peer.spec.httpPort,
        })),
      });
      node.extraEnv = { ...extraEnv };
      nodes.push(node);
    }
    const cluster = new FalconMindCluster(nodes, databases);
    for (const node of nodes) node.start();
    await Promise.all(nodes.map((node) => node.waitUntilLive()));
    await cluster.awaitVoters(STARTUP_AGREEMENT_MS);
    await cluster.refreshMonitoring();
    return cluster;
  }

  get memberCount(): number {
    return this.nodes.length;
  }

  target(): LoadTarget {
    return { system: 'falconmind', urls: this.nodes.map((node) => node.url) };
  }

  nodeUrl(member: number): string {
    return this.nodes[member].url;
  }

  private async info(member: number): Promise<ClusterInfo | undefined> {
    const node = this.nodes[member];
    if (!node.running) return undefined;
    try {
      const response = await fetch(`${node.url}/cluster/info`, {
        signal: AbortSignal.timeout(2_000),
      });
      return response.ok ? ((await response.json()) as ClusterInfo) : undefined;
    } catch {
      return undefined;
    }
  }

  private async allInfo(): Promise<Array<ClusterInfo | undefined>> {
    return Promise.all(this.nodes.map((_, member) => this.info(member)));
  }

  /** Every member lists all of them as voters and they agree on one leader. */
  private async awaitVoters(timeoutMs: number): Promise<void> {
    const expected = this.nodes
      .map((node) => node.spec.nodeId)
      .sort()
      .join(',');
    const deadline = Date.now() + timeoutMs;
    let views: Array<ClusterInfo | undefined> = [];
    while (Date.now() < deadline) {
      views = await this.allInfo();
      const leaders = new Set(views.map((view) => view?.leader ?? null));
      const allVoters = views.every((view) => {
        // Whether a node lists itself in `nodes` has changed between versions: count it once.
        const voters = new Set(
          (view?.nodes ?? [])
            .filter((member) => member.suffrage === 'voter' && member.address !== null)
            .map((member) => member.node_id),
        );
        if (view === undefined) return false;
        voters.add(view.node_id);
        return [...voters].sort().join(',') === expected;
      });
      if (allVoters && leaders.size === 1 && !leaders.has(null)) return;
      await sleep(POLL_MS * 2);
    }
    throw new Error(
      `FalconMind nodes did not agree on voters ${expected} within ${timeoutMs} ms; views: ${JSON.stringify(views)}\n${this.nodes.map((node) => `--- ${node.spec.nodeId}\n${node.tail()}`).join('\n')}`,
    );
  }

  async leaderIndex(timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const views = await this.allInfo();
      const leaders = new Set(
        views.filter((view) => view !== undefined).map((view) => view.leader),
      );
      const [leader] = [...leaders];
      const member = this.nodes.findIndex((node) => node.spec.nodeId === leader);
      if (leaders.size === 1 && member >= 0 && this.nodes[member].running) return member;
      await sleep(POLL_MS);
    }
    throw new Error(`no FalconMind leader agreed on within ${timeoutMs} ms`);
  }

  async leaderCommitIndex(): Promise<number> {
    const info = await this.info(await this.leaderIndex());
    return info?.commit_index ?? 0;
  }

  async memberProgress(member: number): Promise<MemberProgress> {
    return { applied: (await this.info(member))?.applied_index };
  }

  async killMember(member: number): Promise<void> {
    await this.nodes[member].kill();
  }

  /**
   * Starts a member; if it exits during its start it is started once more (another process on the
   * machine may have taken its port meanwhile). The exit stays recorded as a crash, so the report
   * shows it.
   */
  async startMember(member: number): Promise<void> {
    const node = this.nodes[member];
    node.start();
    try {
      await node.waitUntilLive();
    } catch (error) {
      if (node.running) throw error;
      logWarning(
        `${node.spec.nodeId} exited while starting; starting it once more:\n${node.tail()}`,
      );
      node.start();
      await node.waitUntilLive();
    }
    await this.refreshMonitoring();
  }

  async awaitConverged(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const [member, node] of this.nodes.entries())
      if (!node.running) await this.startMember(member);
    await this.awaitVoters(timeoutMs);
    const target = await this.leaderCommitIndex();
    while (Date.now() < deadline) {
      const views = await this.allInfo();
      if (views.every((view) => view !== undefined && view.applied_index >= target)) return;
      await sleep(POLL_MS);
    }
    throw new Error(`FalconMind members did not all apply index ${target} within ${timeoutMs} ms`);
  }

  /** All members at once: one restart's time instead of three (the cluster is idle meanwhile). */
  async snapshotEvery(entries: number): Promise<void> {
    logProgress(`  restarting every node with SNAPSHOT_THRESHOLD=${entries}`);
    await Promise.all(this.nodes.map((node) => node.stop()));
    for (const node of this.nodes)
      node.extraEnv = { ...node.extraEnv, SNAPSHOT_THRESHOLD: String(entries) };
    await Promise.all(this.nodes.map((_, member) => this.startMember(member)));
    await this.awaitConverged(STARTUP_AGREEMENT_MS);
    await this.refreshMonitoring();
  }

  async snapshotIndex(): Promise<number | undefined> {
    return (await this.info(await this.leaderIndex()))?.snapshot_index;
  }

  async entriesUntilNextSnapshot(): Promise<number | undefined> {
    const leader = await this.leaderIndex();
    const info = await this.info(leader);
    if (!info) return undefined;
    const configured = Number(
      this.nodes[leader].extraEnv.SNAPSHOT_THRESHOLD ?? DEFAULT_SNAPSHOT_THRESHOLD,
    );
    return Math.max(0, configured - (info.applied_index - info.snapshot_index));
  }

  async countMissingKeys(keys: readonly string[]): Promise<number> {
    let worst = 0;
    for (const database of this.databases) {
      const rows = await queryDatabase<{ held: string }>(
        database.url,
        'SELECT count(*) AS held FROM missions WHERE mission_id = ANY($1::text[])',
        [keys],
      );
      worst = Math.max(worst, keys.length - Number(rows[0]?.held ?? 0));
    }
    return worst;
  }

  takeCrashes(): string[] {
    return this.nodes.flatMap((node) => node.takeCrashes());
  }

  memberPids(member: number): readonly number[] {
    const pid = this.nodes[member]?.pid;
    return [...(pid === undefined ? [] : [pid]), ...(this.backends.get(member) ?? [])];
  }

  monitoredProcesses(): MonitoredProcess[] {
    return this.nodes.flatMap((node, member) => [
      { label: node.spec.nodeId, pids: () => (node.pid === undefined ? [] : [node.pid]) },
      {
        label: `${node.spec.nodeId}${POSTGRES_SUFFIX}`,
        pids: () => this.backends.get(member) ?? [],
      },
    ]);
  }

  async refreshMonitoring(): Promise<void> {
    for (const [member, database] of this.databases.entries())
      this.backends.set(member, await backendPids(database.name));
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop()));
  }
}
