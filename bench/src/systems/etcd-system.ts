import { Etcd3 } from 'etcd3';
import { sleep } from '../clock';
import { onCleanup } from '../cleanup-registry';
import { LoadTarget } from '../load/load-protocol';
import { logProgress } from '../progress-log';
import { MonitoredProcess } from '../usage-monitor';
import { EtcdTestCluster, startEtcdCluster } from '../../../test/support/etcd';
import { MemberProgress, SystemUnderTest } from './system-under-test';

/** The fields of etcd's `/v3/maintenance/status` (JSON gateway; 64-bit numbers come as strings). */
interface EtcdStatus {
  readonly header?: { readonly member_id?: string };
  readonly leader?: string;
  readonly raftIndex?: string;
  readonly raftAppliedIndex?: string;
}

const POLL_MS = 100;
/** etcd's own defaults, which are also FalconMind's (RAFT_TICK_MS=100, RAFT_ELECTION_TICKS=10). */
export const ETCD_HEARTBEAT_MS = 100;
export const ETCD_ELECTION_MS = 1_000;
/** How many keys one range request checks when looking for lost writes. */
const KEY_CHECK_BATCH = 1_000;

/**
 * A three-member etcd cluster on loopback with default durability (fsync of the WAL on every
 * commit), started by the repository's etcd test launcher.
 */
export class EtcdSystem implements SystemUnderTest {
  readonly name = 'etcd' as const;

  private constructor(private readonly cluster: EtcdTestCluster) {}

  static async start(size: number): Promise<EtcdSystem> {
    const cluster = await startEtcdCluster(size, {
      heartbeatMs: ETCD_HEARTBEAT_MS,
      electionMs: ETCD_ELECTION_MS,
    });
    onCleanup('etcd cluster', () => cluster.close());
    return new EtcdSystem(cluster);
  }

  get memberCount(): number {
    return this.cluster.members.length;
  }

  target(): LoadTarget {
    return { system: 'etcd', endpoints: this.cluster.endpoints };
  }

  private async status(member: number): Promise<EtcdStatus | undefined> {
    if (this.cluster.members[member].pid === undefined) return undefined;
    try {
      const response = await fetch(`${this.cluster.endpoints[member]}/v3/maintenance/status`, {
        method: 'POST',
        body: '{}',
        signal: AbortSignal.timeout(2_000),
      });
      return response.ok ? ((await response.json()) as EtcdStatus) : undefined;
    } catch {
      return undefined;
    }
  }

  async leaderIndex(timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const statuses = await Promise.all(
        this.cluster.members.map((_, member) => this.status(member)),
      );
      const leaders = new Set(
        statuses.filter((s) => s?.leader !== undefined).map((s) => s?.leader),
      );
      const member = statuses.findIndex(
        (s) => s?.header?.member_id !== undefined && s.header.member_id === s.leader,
      );
      if (leaders.size === 1 && member >= 0) return member;
      await sleep(POLL_MS);
    }
    throw new Error(`no etcd leader agreed on within ${timeoutMs} ms`);
  }

  async leaderCommitIndex(): Promise<number> {
    const status = await this.status(await this.leaderIndex());
    return Number(status?.raftIndex ?? 0);
  }

  async memberProgress(member: number): Promise<MemberProgress> {
    const status = await this.status(member);
    return {
      applied: status?.raftAppliedIndex === undefined ? undefined : Number(status.raftAppliedIndex),
    };
  }

  async killMember(member: number): Promise<void> {
    await this.cluster.members[member].kill();
  }

  async startMember(member: number): Promise<void> {
    await this.cluster.members[member].start();
  }

  async awaitConverged(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const [member, server] of this.cluster.members.entries())
      if (server.pid === undefined) await this.startMember(member);
    const target = await this.leaderCommitIndex();
    while (Date.now() < deadline) {
      const progress = await Promise.all(
        this.cluster.members.map((_, m) => this.memberProgress(m)),
      );
      if (progress.every((p) => p.applied !== undefined && p.applied >= target)) return;
      await sleep(POLL_MS);
    }
    throw new Error(`etcd members did not all apply index ${target} within ${timeoutMs} ms`);
  }

  /**
   * The launcher passes no --snapshot-count, so etcd takes it from ETCD_SNAPSHOT_COUNT, which a
   * member inherits from this process when it starts: set it around each member's restart only.
   */
  async snapshotEvery(entries: number): Promise<void> {
    logProgress(`  restarting every etcd member with --snapshot-count=${entries}`);
    await Promise.all(this.cluster.members.map((server) => server.stop()));
    const previous = process.env.ETCD_SNAPSHOT_COUNT;
    process.env.ETCD_SNAPSHOT_COUNT = String(entries);
    try {
      // Together: a member is only healthy once a quorum of them runs.
      await Promise.all(this.cluster.members.map((server) => server.start()));
    } finally {
      if (previous === undefined) delete process.env.ETCD_SNAPSHOT_COUNT;
      else process.env.ETCD_SNAPSHOT_COUNT = previous;
    }
    await this.awaitConverged(60_000);
  }

  snapshotIndex(): Promise<number | undefined> {
    // etcd 3.4 does not report its snapshot index.
    return Promise.resolve(undefined);
  }

  entriesUntilNextSnapshot(): Promise<number | undefined> {
    return Promise.resolve(undefined);
  }

  async countMissingKeys(keys: readonly string[]): Promise<number> {
    let worst = 0;
    for (const endpoint of this.cluster.endpoints) {
      const client = new Etcd3({ hosts: [endpoint] });
      try {
        let missing = 0;
        for (let start = 0; start < keys.length; start += KEY_CHECK_BATCH) {
          const batch = keys.slice(start, start + KEY_CHECK_BATCH);
          // Serializable: what this member itself holds, after awaitConverged made it catch up.
          const found = await Promise.all(
            batch.map((key) => client.get(key).serializable(true).buffer()),
          );
          missing += found.filter((value) => value === null).length;
        }
        worst = Math.max(worst, missing);
      } finally {
        client.close();
      }
    }
    return worst;
  }

  takeCrashes(): string[] {
    // The launcher does not tell a crash from a kill; a crashed member fails the next health wait.
    return [];
  }

  memberPids(member: number): readonly number[] {
    const pid = this.cluster.members[member]?.pid;
    return pid === undefined ? [] : [pid];
  }

  monitoredProcesses(): MonitoredProcess[] {
    return this.cluster.members.map((server, member) => ({
      label: `etcd${member + 1}`,
      pids: () => (server.pid === undefined ? [] : [server.pid]),
    }));
  }

  refreshMonitoring(): Promise<void> {
    return Promise.resolve();
  }

  async close(): Promise<void> {
    await this.cluster.close();
  }
}
