import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PeerNode } from '@falconmind/config';
import { RecordingLogger, STARTING, announcement } from '../testing';
import { createDiscovery } from './create-discovery';
import { DiscoveredNode } from './discovery';
import { DiscoveryNotRunningError, DiscoveryUnsupportedError } from './discovery-errors';

const PEERS: PeerNode[] = [
  { nodeId: 'node-2', address: '10.0.0.2', port: 8888, raftPort: 8889 },
  { nodeId: 'node-1', address: '10.0.0.1', port: 8888, raftPort: 8889 },
  { nodeId: 'node-3', address: '10.0.0.3', port: 9000, raftPort: 9100 },
];

function staticDiscovery() {
  return createDiscovery({ kind: 'static' }, { logger: new RecordingLogger(), peers: PEERS });
}

describe('static discovery', () => {
  it('lists this node and PEER_NODES, by node id, with this node once', async () => {
    const discovery = staticDiscovery();
    await assert.rejects(discovery.listNodes(), DiscoveryNotRunningError);
    await discovery.start(announcement('falconmind', 'node-1', 8888, '10.0.0.1'), STARTING);
    const nodes = await discovery.listNodes();
    assert.deepEqual(
      nodes.map((node) => node.nodeId),
      ['node-1', 'node-2', 'node-3'],
    );
    assert.equal(nodes[0].version, '0.1.0-test', 'this node as it announced itself');
    assert.deepEqual(nodes[2], {
      nodeId: 'node-3',
      clusterId: 'falconmind',
      httpAddress: '10.0.0.3',
      httpPort: 9000,
      raftAddress: '10.0.0.3',
      raftPort: 9100,
      version: 'unknown',
      status: STARTING,
      healthy: true,
    });
    assert.equal(discovery.health().state, 'up');
    await discovery.stop();
  });

  it('has no store: claimCluster is refused, readCluster finds nothing, forget is a no-op', async () => {
    const discovery = staticDiscovery();
    await discovery.start(announcement('falconmind', 'node-1'), STARTING);
    await assert.rejects(
      discovery.claimCluster({ clusterUuid: 'u', initialVoters: [], createdAt: 'now' }),
      DiscoveryUnsupportedError,
    );
    assert.equal(await discovery.readCluster(), undefined);
    await discovery.forget('node-2');
    assert.equal((await discovery.listNodes()).length, 3);
    await discovery.stop();
  });

  it('gives a watcher the list at once and again when this node’s status changes', async () => {
    const discovery = staticDiscovery();
    await discovery.start(announcement('falconmind', 'node-1'), STARTING);
    const seen: DiscoveredNode[][] = [];
    const unsubscribe = discovery.watch((nodes) => seen.push(nodes));
    discovery.setStatus({ role: 'leader', ready: true, term: 1 });
    discovery.setStatus({ role: 'leader', ready: true, term: 1 });
    await Promise.resolve();
    unsubscribe();
    discovery.setStatus({ role: 'follower', ready: true, term: 2 });
    assert.equal(
      seen.length,
      2,
      'an unchanged list is not delivered twice; none after unsubscribing',
    );
    assert.equal(seen[1][0].status.role, 'leader');
    await discovery.stop();
  });
});
