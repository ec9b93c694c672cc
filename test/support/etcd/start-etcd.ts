import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findEtcdBinary } from './etcd-binary';
import { EtcdMember } from './etcd-member';
import { freeLoopbackPorts } from './free-port';

export interface EtcdTestOptions {
  /**
   * `--heartbeat-interval` in ms. Default 100 (etcd's own default). Lower values make elections in
   * a cluster faster, at some CPU cost on a busy machine.
   */
  readonly heartbeatMs?: number;
  /** `--election-timeout` in ms, at least 5 × `heartbeatMs`. Default 1000 (etcd's own default). */
  readonly electionMs?: number;
}

/** A single-member etcd on loopback ports, with its own temporary data dir. */
export interface EtcdTestServer {
  /** The client URLs to give an etcd client, e.g. `['http://127.0.0.1:41234']`. */
  readonly endpoints: string[];
  /** The process id while running. */
  readonly pid: number | undefined;
  /** SIGTERM and wait; the data is kept so that `start()` brings the same store back. */
  stop(): Promise<void>;
  /** Starts again on the same ports with the same data (after `stop` or `kill`: an outage ends). */
  start(): Promise<void>;
  /** SIGKILL and wait: a crash. The data is kept. */
  kill(): Promise<void>;
  /** Stops etcd and removes its data dir. Safe to call twice. */
  close(): Promise<void>;
}

/** A three-member (or any size) etcd cluster on loopback ports. */
export interface EtcdTestCluster {
  /** The client URL of every member. */
  readonly endpoints: string[];
  /** The members, each of which can be stopped, killed and started alone. */
  readonly members: readonly EtcdTestServer[];
  /** Stops every member and removes every data dir. */
  close(): Promise<void>;
}

const DEFAULT_HEARTBEAT_MS = 100;
const DEFAULT_ELECTION_MS = 1_000;

interface MemberLayout {
  readonly name: string;
  readonly clientPort: number;
  readonly peerPort: number;
}

function asServer(member: EtcdMember, dataDir: string): EtcdTestServer {
  let closed = false;
  return {
    endpoints: [member.clientUrl],
    get pid() {
      return member.pid;
    },
    stop: () => member.stop(),
    start: async () => {
      if (closed) throw new Error(`etcd member ${member.spec.name} was closed`);
      member.spawn();
      await member.waitHealthy();
    },
    kill: () => member.kill(),
    close: async () => {
      closed = true;
      await member.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function launch(size: number, options: EtcdTestOptions): Promise<EtcdTestServer[]> {
  const binary = findEtcdBinary();
  const ports = await freeLoopbackPorts(size * 2);
  const layouts: MemberLayout[] = Array.from({ length: size }, (_, index) => ({
    name: `etcd${index + 1}`,
    clientPort: ports[index * 2],
    peerPort: ports[index * 2 + 1],
  }));
  const initialCluster = layouts
    .map((layout) => `${layout.name}=http://127.0.0.1:${layout.peerPort}`)
    .join(',');
  // A token per cluster keeps members of two test clusters from ever talking to each other.
  const clusterToken = `falconmind-test-${randomBytes(4).toString('hex')}`;
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const electionMs = options.electionMs ?? DEFAULT_ELECTION_MS;

  const servers: EtcdTestServer[] = [];
  const members: EtcdMember[] = [];
  try {
    for (const layout of layouts) {
      const dataDir = await mkdtemp(path.join(tmpdir(), `falconmind-etcd-${layout.name}-`));
      const member = new EtcdMember({
        ...layout,
        binary,
        dataDir,
        initialCluster,
        clusterToken,
        heartbeatMs,
        electionMs,
      });
      members.push(member);
      servers.push(asServer(member, dataDir));
    }
    // All members start together: a member of a cluster is only healthy once a quorum elected a leader.
    for (const member of members) member.spawn();
    await Promise.all(members.map((member) => member.waitHealthy()));
    return servers;
  } catch (error) {
    await Promise.all(servers.map((server) => server.close()));
    throw error;
  }
}

/**
 * Starts a fresh single-member etcd (`/usr/bin/etcd` or the first `etcd` on PATH) on free loopback
 * ports and resolves once `/health` answers. Throws "etcd not found: apt-get install -y
 * etcd-server" when there is no etcd binary.
 */
export async function startEtcd(options: EtcdTestOptions = {}): Promise<EtcdTestServer> {
  const [server] = await launch(1, options);
  return server;
}

/** Starts a fresh etcd cluster of `size` members (default 3) and resolves once every one is healthy. */
export async function startEtcdCluster(
  size = 3,
  options: EtcdTestOptions = {},
): Promise<EtcdTestCluster> {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`cluster size ${size} is not >= 1`);
  const members = await launch(size, options);
  return {
    endpoints: members.flatMap((member) => member.endpoints),
    members,
    close: async () => {
      await Promise.all(members.map((member) => member.close()));
    },
  };
}
