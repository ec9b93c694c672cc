import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  createNodeDatabase,
  dropDatabases,
  freePortPair,
  NodeProcess,
  waitFor,
} from '../../../test/support/node-process';

interface ClusterInfo {
  leader: string | null;
  nodes: Array<{ node_id: string; address: string | null; suffrage: string }>;
}

/**
 * The original compose deployment as real processes: every node listens on 0.0.0.0 and advertises
 * no address; node1 founds the cluster, node2 and node3 join through the nodes before them.
 */
describe('nodes listening on 0.0.0.0 without an advertised address', { timeout: 120_000 }, () => {
  const nodes: NodeProcess[] = [];

  after(async () => {
    await Promise.all(nodes.map((n) => n.kill()));
    await dropDatabases();
  });

  it('form one cluster, each member recorded at an address its peers can reach', async () => {
    const peers: Array<{ node_id: string; address: string; port: number }> = [];
    for (const nodeId of ['node1', 'node2', 'node3']) {
      const node = new NodeProcess({
        nodeId,
        httpPort: await freePortPair(),
        databaseUrl: await createNodeDatabase(nodeId),
        peers: [...peers],
        env: { NODE_ADDRESS: '0.0.0.0' },
      });
      nodes.push(node);
      peers.push({ node_id: nodeId, address: '127.0.0.1', port: node.spec.httpPort });
      node.start();
    }
    await Promise.all(nodes.map((n) => n.waitUntilLive()));
    let views: ClusterInfo[] = [];
    await waitFor('three voters seen alike by every node', 30_000, async () => {
      views = (await Promise.all(nodes.map((n) => n.getJson<ClusterInfo>('/cluster/info')))).map(
        (r) => r.body,
      );
      return views.every(
        (v) =>
          v.leader !== null &&
          v.nodes.filter((n) => n.suffrage === 'voter').length === 3 &&
          v.leader === views[0].leader,
      );
    });
    // Each node is seen by the others at an address they can reach (a node that listens on a
    // wildcard and advertises nothing shows that wildcard only for itself).
    views.forEach((view, i) => {
      for (const member of view.nodes) {
        if (member.node_id === nodes[i].nodeId) continue;
        assert.ok(member.address?.startsWith('127.0.0.1:'), JSON.stringify(view.nodes));
      }
    });
    // A write through the last node to join reaches the leader and every node.
    const created = await nodes[2].send('POST', '/uavs/uav-w/register', {});
    assert.equal(created.status, 200, JSON.stringify(created.body));
    for (const node of nodes) {
      await waitFor(`uav-w on ${node.nodeId}`, 10_000, async () => {
        return (await node.getJson('/uavs/uav-w?consistency=stale')).status === 200;
      });
    }
  });
});
