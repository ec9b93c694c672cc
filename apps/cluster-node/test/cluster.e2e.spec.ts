import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import {
  createNodeDatabase,
  dropDatabases,
  freePortPair,
  NodeProcess,
  PeerSpec,
  waitFor,
} from '../../../test/support/node-process';

interface MemberView {
  node_id: string;
  role: 'leader' | 'follower' | 'learner';
  suffrage: 'voter' | 'learner';
  address: string | null;
}

interface ClusterInfo {
  node_id: string;
  leader: string | null;
  is_leader: boolean;
  term: number;
  commit_index: number;
  is_member: boolean;
  nodes: MemberView[];
}

/** Election timeout of the test nodes: 10 ticks of 50 ms. */
const ELECTION_TIMEOUT_MS = 500;

async function info(node: NodeProcess): Promise<ClusterInfo | undefined> {
  try {
    const { status, body } = await node.getJson<ClusterInfo>('/cluster/info');
    return status === 200 ? body : undefined;
  } catch {
    return undefined;
  }
}

/** Waits until every node in `nodes` agrees on one leader and on a member list of `voters` voters. */
async function awaitAgreement(
  nodes: readonly NodeProcess[],
  voters: readonly string[],
  timeoutMs = 30_000,
) {
  let last: Array<ClusterInfo | undefined> = [];
  try {
    await waitFor(`agreement on ${voters.join(',')}`, timeoutMs, async () => {
      last = await Promise.all(nodes.map(info));
      if (last.some((i) => !i?.leader)) return false;
      const leaders = new Set(last.map((i) => i?.leader));
      if (leaders.size !== 1) return false;
      return last.every((i) => {
        if ((i?.nodes ?? []).some((n) => n.address === null)) return false;
        const ids = (i?.nodes ?? []).filter((n) => n.suffrage === 'voter').map((n) => n.node_id);
        return ids.sort().join(',') === [...voters].sort().join(',');
      });
    });
  } catch (error) {
    throw new Error(`${String(error)}\nlast views: ${JSON.stringify(last, null, 1)}`, {
      cause: error,
    });
  }
  return last as ClusterInfo[];
}

function peerOf(node: NodeProcess): PeerSpec {
  return { node_id: node.nodeId, address: '127.0.0.1', port: node.spec.httpPort };
}

describe(
  'a cluster of real node processes (the original three-node example)',
  { timeout: 240_000 },
  () => {
    const nodes: NodeProcess[] = [];

    async function newNode(
      nodeId: string,
      peers: readonly PeerSpec[],
      env: Record<string, string> = {},
    ) {
      const node = new NodeProcess({
        nodeId,
        httpPort: await freePortPair(),
        databaseUrl: await createNodeDatabase(nodeId),
        peers,
        env,
      });
      nodes.push(node);
      return node;
    }

    before(async () => {
      // As the original deployment: node1 knows no one, node2 knows node1, node3 knows both.
      const node1 = await newNode('node1', []);
      const node2 = await newNode('node2', [peerOf(node1)]);
      const node3 = await newNode('node3', [peerOf(node1), peerOf(node2)]);
      for (const node of [node1, node2, node3]) node.start();
      await Promise.all([node1, node2, node3].map((n) => n.waitUntilLive()));
    });

    after(async () => {
      await Promise.all(nodes.map((n) => n.kill()));
      await dropDatabases();
    });

    it('forms one cluster: one leader, all three voters, and every node agrees', async () => {
      const views = await awaitAgreement(nodes.slice(0, 3), ['node1', 'node2', 'node3']);
      assert.equal(views.filter((v) => v.is_leader).length, 1);
      for (const view of views) {
        assert.equal(view.is_member, true);
        assert.ok(
          view.nodes.every((n) => n.address?.startsWith('127.0.0.1:')),
          JSON.stringify(view.nodes),
        );
      }
      const ready = await Promise.all(nodes.slice(0, 3).map((n) => n.getJson('/health/ready')));
      assert.deepEqual(
        ready.map((r) => r.status),
        [200, 200, 200],
      );
    });

    it('elects a new leader within 3 s of a kill -9 of the leader; the killed node rejoins', async () => {
      const [view] = await awaitAgreement(nodes.slice(0, 3), ['node1', 'node2', 'node3']);
      const leader = nodes.find((n) => n.nodeId === view.leader);
      assert.ok(leader);
      const survivors = nodes.slice(0, 3).filter((n) => n !== leader);
      await leader.kill();
      const failoverMs = await waitFor('a new leader', 10_000, async () => {
        const views = await Promise.all(survivors.map(info));
        return views.some((v) => v?.is_leader === true && v.leader !== leader.nodeId);
      });
      process.stdout.write(`# failover after kill -9 of the leader: ${failoverMs} ms\n`);
      assert.ok(failoverMs < 3000, `new leader after ${failoverMs} ms`);
      leader.start();
      await leader.waitUntilLive();
      await awaitAgreement(nodes.slice(0, 3), ['node1', 'node2', 'node3']);
    });

    it('a node that loses its leader reports not ready within two election timeouts', async () => {
      const [view] = await awaitAgreement(nodes.slice(0, 3), ['node1', 'node2', 'node3']);
      const follower = nodes.slice(0, 3).find((n) => n.nodeId !== view.leader);
      assert.ok(follower);
      assert.equal((await follower.getJson('/health/ready')).status, 200);
      const others = nodes.slice(0, 3).filter((n) => n !== follower);
      for (const node of others) node.pause();
      try {
        const notReadyMs = await waitFor('the follower to report not ready', 10_000, async () => {
          return (await follower.getJson('/health/ready')).status === 503;
        });
        process.stdout.write(`# not ready ${notReadyMs} ms after its leader and peers stopped\n`);
        assert.ok(notReadyMs <= 2 * ELECTION_TIMEOUT_MS + 250, `${notReadyMs} ms`);
      } finally {
        for (const node of others) node.resume();
      }
      await awaitAgreement(nodes.slice(0, 3), ['node1', 'node2', 'node3']);
    });

    it('hands leadership over on SIGTERM, exits 0, and rejoins on restart', async () => {
      const [view] = await awaitAgreement(nodes.slice(0, 3), ['node1', 'node2', 'node3']);
      const leader = nodes.find((n) => n.nodeId === view.leader);
      assert.ok(leader);
      const survivors = nodes.slice(0, 3).filter((n) => n !== leader);
      const started = Date.now();
      const code = await leader.stop();
      assert.equal(code, 0, leader.logs());
      const handOverMs = await waitFor('a new leader after a graceful stop', 10_000, async () => {
        const views = await Promise.all(survivors.map(info));
        return views.some((v) => v?.is_leader === true);
      });
      process.stdout.write(`# new leader ${Date.now() - started} ms after SIGTERM to the leader\n`);
      assert.ok(handOverMs < 3000);
      assert.match(leader.logs(), /transferring leadership/);
      leader.start();
      await leader.waitUntilLive();
      await awaitAgreement(nodes.slice(0, 3), ['node1', 'node2', 'node3']);
    });

    it('joins a fourth node as a learner, promotes it, hands it leadership, then removes it', async () => {
      const [view] = await awaitAgreement(nodes.slice(0, 3), ['node1', 'node2', 'node3']);
      const follower = nodes.slice(0, 3).find((n) => n.nodeId !== view.leader);
      assert.ok(follower);
      const node4 = await newNode('node4', [peerOf(follower)]);
      node4.start();
      await node4.waitUntilLive();
      const joinMs = await waitFor('node4 promoted to voter', 20_000, async () => {
        const v = await info(node4);
        return v?.nodes.some((n) => n.node_id === 'node4' && n.suffrage === 'voter') === true;
      }).catch((error: unknown) => {
        const tail = (node: NodeProcess): string => node.logs().split('\n').slice(-25).join('\n');
        throw new Error(
          `${String(error)}\n--- node4:\n${tail(node4)}\n--- ${follower.nodeId}:\n${tail(follower)}`,
          {
            cause: error,
          },
        );
      });
      process.stdout.write(`# node4 joined and was promoted to voter in ${joinMs} ms\n`);
      await awaitAgreement(nodes, ['node1', 'node2', 'node3', 'node4']);

      // Leadership transfer through a follower, which forwards to the leader.
      const transfer = await follower.send('POST', '/cluster/leader/transfer', {
        node_id: 'node4',
      });
      assert.equal(transfer.status, 200, JSON.stringify(transfer.body));
      await waitFor('node4 to lead', 10_000, async () => (await info(node4))?.is_leader === true);

      // Removing the leader itself: it steps down once the change commits; the others elect a leader.
      const removal = await follower.send('DELETE', '/cluster/nodes/node4');
      assert.equal(removal.status, 200, JSON.stringify(removal.body));
      await awaitAgreement(nodes.slice(0, 3), ['node1', 'node2', 'node3']);
      await node4.stop();

      const unknown = await follower.send('DELETE', '/cluster/nodes/node4');
      assert.equal(unknown.status, 404);
      const bad = await follower.send('POST', '/cluster/register', { node_id: '', port: 70000 });
      assert.equal(bad.status, 400);
      assert.deepEqual(
        (bad.body as { details: Array<{ field: string }> }).details.map((d) => d.field).sort(),
        ['node_id', 'port', 'raft_port'],
      );
    });
  },
);

describe('peers that do not belong', { timeout: 120_000 }, () => {
  const nodes: NodeProcess[] = [];

  after(async () => {
    await Promise.all(nodes.map((n) => n.kill()));
    await dropDatabases();
  });

  it('refuses a node with the wrong cluster secret, and one of another cluster', async () => {
    const secret = { CLUSTER_SECRET: 'the-right-secret-0123456789' };
    const seed = new NodeProcess({
      nodeId: 'seed',
      httpPort: await freePortPair(),
      databaseUrl: await createNodeDatabase('seed'),
      env: secret,
    });
    const wrongSecret = new NodeProcess({
      nodeId: 'intruder',
      httpPort: await freePortPair(),
      databaseUrl: await createNodeDatabase('intruder'),
      peers: [{ node_id: 'seed', address: '127.0.0.1', port: seed.spec.httpPort }],
      env: { CLUSTER_SECRET: 'a-wrong-secret-0123456789' },
    });
    const otherCluster = new NodeProcess({
      nodeId: 'stranger',
      httpPort: await freePortPair(),
      databaseUrl: await createNodeDatabase('stranger'),
      peers: [{ node_id: 'seed', address: '127.0.0.1', port: seed.spec.httpPort }],
      env: { ...secret, CLUSTER_ID: 'another-cluster' },
    });
    nodes.push(seed, wrongSecret, otherCluster);
    seed.start();
    await seed.waitUntilLive();
    await waitFor('seed to lead', 10_000, async () => (await info(seed))?.is_leader === true);
    wrongSecret.start();
    otherCluster.start();
    await Promise.all([wrongSecret.waitUntilLive(), otherCluster.waitUntilLive()]);
    // Give them several join attempts.
    await new Promise((resolve) => setTimeout(resolve, 4 * ELECTION_TIMEOUT_MS + 2000));
    const view = await info(seed);
    assert.deepEqual(
      view?.nodes.map((n) => n.node_id),
      ['seed'],
    );
    assert.match(wrongSecret.logs(), /refused|401|cluster secret/i);
    assert.match(otherCluster.logs(), /refused|409|another-cluster/i);
    const direct = await seed.send('POST', '/cluster/register', {
      node_id: 'x',
      address: '127.0.0.1',
      port: 9,
    });
    assert.equal(direct.status, 401);
  });
});

describe('bad configuration', { timeout: 60_000 }, () => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['NODE_PORT', { NODE_PORT: 'abc' }, /NODE_PORT="abc"/],
    [
      'PEER_NODES',
      { PEER_NODES: '[{"node_id":"x","address":"127.0.0.1","port":"80"}]' },
      /PEER_NODES\[0\].port/,
    ],
    ['RAFT_HEARTBEAT_TICKS', { RAFT_HEARTBEAT_TICKS: '20' }, /RAFT_HEARTBEAT_TICKS/],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }, /DATABASE_URL/],
  ];
  for (const [variable, env, pattern] of cases) {
    it(`a bad ${variable} stops the node with one line naming it`, async () => {
      const node = new NodeProcess({
        nodeId: 'bad',
        httpPort: await freePortPair(),
        databaseUrl: '',
        env,
      });
      node.start();
      const code = await node.waitForExit();
      assert.equal(code, 1);
      const lines = node.logs().split('\n').filter(Boolean);
      assert.equal(lines.length, 1, node.logs());
      assert.match(lines[0], pattern);
    });
  }
});

describe('a node that cannot write to its database', { timeout: 60_000 }, () => {
  it('stops with exit code 1 rather than serving from a log it can no longer keep', async () => {
    const node = new NodeProcess({
      nodeId: 'fragile',
      httpPort: await freePortPair(),
      databaseUrl: await createNodeDatabase('fragile'),
    });
    try {
      node.start();
      await node.waitUntilLive();
      await waitFor('fragile to lead', 10_000, async () => (await info(node))?.is_leader === true);
      const name = new URL(node.spec.databaseUrl).pathname.slice(1);
      const admin = new Client({
        connectionString: node.spec.databaseUrl.replace(`/${name}`, '/postgres'),
      });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`);
      } finally {
        await admin.end();
      }
      // The next write fails in the Ready loop.
      await node.send('POST', '/uavs/u-1/register', {}).catch(() => undefined);
      const code = await Promise.race([
        node.waitForExit(),
        new Promise((resolve) => setTimeout(() => resolve('still running'), 20_000)),
      ]);
      assert.equal(code, 1, node.logs());
      assert.match(node.logs(), /consensus loop stopped/);
    } finally {
      await node.kill();
      await dropDatabases();
    }
  });
});
