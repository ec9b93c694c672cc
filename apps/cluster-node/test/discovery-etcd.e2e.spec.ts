import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';

import { startEtcd, EtcdTestServer } from '../../../test/support/etcd';
import {
  awaitAgreement,
  call,
  callRetrying,
  ClusterInfo,
  clusterInfo,
  leaderOf,
  missionBody,
  tail,
} from '../../../test/support/cluster';
import {
  createNodeDatabase,
  dropDatabases,
  freePortPair,
  NodeProcess,
  waitFor,
} from '../../../test/support/node-process';

const CLUSTER_ID = 'etcd-e2e';
/** Discovery durations at a fifth: the etcd lease lives 2 s instead of 10. */
const TIME_SCALE = '0.2';

interface Registration {
  nodeId: string;
  status: { role: string; ready: boolean };
}

describe('a cluster formed from etcd alone (real etcd)', { timeout: 240_000 }, () => {
  let etcd: EtcdTestServer;
  let client: Etcd3;
  const nodes: NodeProcess[] = [];

  async function registrations(clusterId = CLUSTER_ID): Promise<Registration[]> {
    const values = await client.getAll().prefix(`/falconmind/${clusterId}/nodes/`).strings();
    return Object.values(values).map((value) => JSON.parse(value) as Registration);
  }

  async function startNodes(ids: readonly string[], env: Record<string, string>) {
    const started: NodeProcess[] = [];
    for (const nodeId of ids) {
      const node = new NodeProcess({
        nodeId,
        httpPort: await freePortPair(),
        databaseUrl: await createNodeDatabase(nodeId),
        env: {
          DISCOVERY: 'etcd',
          ETCD_ENDPOINTS: etcd.endpoints.join(','),
          DISCOVERY_TIME_SCALE: TIME_SCALE,
          ...env,
        },
      });
      started.push(node);
      nodes.push(node);
    }
    for (const node of started) node.start();
    return started;
  }

  before(async () => {
    etcd = await startEtcd();
    client = new Etcd3({ hosts: etcd.endpoints });
  });

  after(async () => {
    await Promise.all(nodes.map((n) => n.kill()));
    client?.close();
    await etcd?.close();
    await dropDatabases();
  });

  it('three nodes with BOOTSTRAP_EXPECT=3 and no PEER_NODES form one cluster', async () => {
    const started = Date.now();
    const trio = await startNodes(['etcd-a', 'etcd-b', 'etcd-c'], {
      CLUSTER_ID,
      BOOTSTRAP_EXPECT: '3',
    });
    let views: ClusterInfo[];
    try {
      views = await awaitAgreement(trio, 60_000);
    } catch (error) {
      throw new Error(`${String(error)}\n${trio.map((n) => tail(n, 15)).join('\n')}`, {
        cause: error,
      });
    }
    console.log(`etcd: three nodes formed one cluster in ${Date.now() - started} ms`);
    const uuids = new Set(
      views.map((v) => (v as unknown as { cluster_uuid: string }).cluster_uuid),
    );
    assert.equal(uuids.size, 1, 'one cluster incarnation');
    const record = JSON.parse(
      (await client.get(`/falconmind/${CLUSTER_ID}/cluster`).string()) ?? '{}',
    ) as { clusterUuid: string; initialVoters: Array<{ nodeId: string }> };
    assert.equal(record.clusterUuid, [...uuids][0]);
    assert.deepEqual(record.initialVoters.map((v) => v.nodeId).sort(), [
      'etcd-a',
      'etcd-b',
      'etcd-c',
    ]);

    // A node that expects another incarnation of the cluster is refused for good.
    const stranger = await call<{ message: string }>(trio[0], 'POST', '/cluster/register', {
      node_id: 'stranger',
      address: '127.0.0.1',
      port: 1,
      cluster_id: CLUSTER_ID,
      cluster_uuid: '00000000-0000-4000-8000-000000000000',
    });
    assert.equal(stranger.status, 409, JSON.stringify(stranger.body));
    assert.match(stranger.body.message, /expects cluster incarnation/);

    const leader = await leaderOf(trio);
    await waitFor('the registrations to show the roles', 10_000, async () => {
      const roles = await registrations();
      return (
        roles.length === 3 &&
        roles
          .filter((r) => r.status.role === 'leader')
          .map((r) => r.nodeId)
          .join() === leader.nodeId &&
        roles.every((r) => r.status.ready)
      );
    });
  });

  it('a killed node disappears with its lease; the new leader is announced', async () => {
    const trio = nodes.slice(0, 3);
    const leader = await leaderOf(trio);
    const killedAt = Date.now();
    await leader.kill();
    const rest = trio.filter((n) => n !== leader);
    let gone = 0;
    await waitFor(
      'the killed leader to leave etcd and a new one to be announced',
      30_000,
      async () => {
        const regs = await registrations();
        if (!gone && !regs.some((r) => r.nodeId === leader.nodeId)) gone = Date.now() - killedAt;
        const leaders = regs.filter((r) => r.status.role === 'leader').map((r) => r.nodeId);
        return gone > 0 && leaders.length === 1 && rest.some((n) => n.nodeId === leaders[0]);
      },
    );
    console.log(`etcd: a killed node's registration was gone after ${gone} ms (lease 2 s)`);
    leader.start();
    await leader.waitUntilLive();
    await awaitAgreement(trio, 60_000);
  });

  it('keeps taking writes while etcd is down, and registers again when it is back', async () => {
    const trio = nodes.slice(0, 3);
    const register = await callRetrying(trio[0], 'POST', '/uavs/uav-etcd-1/register', {});
    assert.equal(register.status, 200, JSON.stringify(register.body));
    await etcd.stop();
    try {
      for (let i = 0; i < 5; i++) {
        const created = await callRetrying(
          trio[i % 3],
          'POST',
          '/missions',
          missionBody(`etcd-down-${i}`, 'uav-etcd-1'),
        );
        assert.equal(created.status, 201, JSON.stringify(created.body));
      }
      await waitFor('discovery to report degraded', 15_000, async () => {
        const health = await call<{ details: { discovery: { status: string; state: string } } }>(
          trio[0],
          'GET',
          '/health',
        );
        return health.status === 200 && health.body.details.discovery.state === 'degraded';
      });
    } finally {
      await etcd.start();
    }
    await waitFor('every node to register again', 30_000, async () => {
      return (await registrations().catch(() => [])).length === 3;
    });
  });

  it('two groups started at once against one store form exactly one cluster', async () => {
    const clusterId = 'etcd-race';
    const env = { CLUSTER_ID: clusterId, BOOTSTRAP_EXPECT: '2' };
    const groups = await startNodes(['race-a1', 'race-a2', 'race-b1', 'race-b2'], env);
    let views: Array<ClusterInfo | undefined> = [];
    await waitFor('all four in one cluster', 90_000, async () => {
      views = await Promise.all(groups.map(clusterInfo));
      const uuids = new Set(
        views.map((v) => (v as { cluster_uuid?: string } | undefined)?.cluster_uuid),
      );
      const leaders = new Set(views.map((v) => v?.leader));
      return (
        views.every((v) => v?.leader && (v.nodes ?? []).length === 4) &&
        uuids.size === 1 &&
        !uuids.has(undefined) &&
        leaders.size === 1
      );
    }).catch((error: unknown) => {
      throw new Error(
        `${String(error)}\n${JSON.stringify(views)}\n${groups.map((n) => tail(n, 10)).join('\n')}`,
      );
    });
    const record = JSON.parse(
      (await client.get(`/falconmind/${clusterId}/cluster`).string()) ?? '{}',
    ) as {
      initialVoters: unknown[];
    };
    assert.equal(record.initialVoters.length, 2, 'one first membership of BOOTSTRAP_EXPECT voters');
  });
});
