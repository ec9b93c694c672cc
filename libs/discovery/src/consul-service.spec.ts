import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { announcement } from '../testing';
import { nodeFromHealthEntry, serviceDefinition } from './consul-service';
import { resolveDiscoveryTimings } from './discovery-timings';

const SELF = announcement('blue', 'node-a', 8888, '10.0.0.1');

function healthEntry(meta: Record<string, string>, tags: string[], statuses: string[]) {
  return {
    Node: { Node: 'agent-1', Address: '10.0.0.9' },
    Service: {
      ID: 'node-a',
      Service: 'falconmind-cluster-center',
      Tags: tags,
      Address: '',
      Port: 8888,
      Meta: meta,
    },
    Checks: statuses.map((Status, index) => ({ CheckID: `c${index}`, Status })),
  };
}

describe('Consul service', () => {
  it('is defined as the design says: role tag, meta, HTTP and TTL checks with Go durations', () => {
    const service = serviceDefinition(
      SELF,
      { role: 'leader', ready: true, term: 7 },
      resolveDiscoveryTimings(),
    );
    assert.equal(service.name, 'falconmind-cluster-center');
    assert.equal(service.id, 'node-a');
    assert.deepEqual(service.tags, ['leader']);
    assert.equal(service.meta.raft_port, '8889');
    assert.equal(service.meta.cluster_id, 'blue');
    const [http, ttl] = service.checks;
    assert.equal(http.http, 'http://10.0.0.1:8888/health/ready');
    assert.equal(http.interval, '5000ms');
    assert.equal(http.timeout, '2000ms');
    assert.equal(http.deregisterCriticalServiceAfter, '60000ms');
    assert.equal(ttl.ttl, '15000ms');
  });

  it('reads a health entry of its cluster; healthy only when every check passes', () => {
    const meta = serviceDefinition(
      SELF,
      { role: 'follower', ready: true, term: 3 },
      resolveDiscoveryTimings(),
    ).meta;
    const node = nodeFromHealthEntry(
      healthEntry(meta, ['follower'], ['passing', 'passing']),
      'blue',
    );
    assert.deepEqual(node, {
      nodeId: 'node-a',
      clusterId: 'blue',
      httpAddress: '10.0.0.9',
      httpPort: 8888,
      raftAddress: '10.0.0.1',
      raftPort: 8889,
      version: '0.1.0-test',
      status: { role: 'follower', ready: true, term: 3 },
      healthy: true,
    });
    assert.equal(
      nodeFromHealthEntry(healthEntry(meta, ['follower'], ['passing', 'critical']), 'blue')
        ?.healthy,
      false,
    );
    assert.equal(nodeFromHealthEntry(healthEntry(meta, ['follower'], []), 'green'), undefined);
    assert.equal(nodeFromHealthEntry(healthEntry({}, [], []), 'blue'), undefined);
  });
});
