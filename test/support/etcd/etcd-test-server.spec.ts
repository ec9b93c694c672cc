import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { startEtcd, startEtcdCluster } from './index';

const TEST_TIMEOUT_MS = 60_000;

describe('test etcd', () => {
  it(
    'keeps its data across stop and start on the same port',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const etcd = await startEtcd();
      const client = new Etcd3({ hosts: etcd.endpoints });
      try {
        await client.put('greeting').value('hello');
        await etcd.stop();
        assert.equal(etcd.pid, undefined);
        await etcd.start();
        assert.equal(await client.get('greeting').string(), 'hello');
      } finally {
        client.close();
        await etcd.close();
      }
    },
  );

  it(
    'runs a three-member cluster that survives one member down',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const cluster = await startEtcdCluster(3);
      const client = new Etcd3({ hosts: cluster.endpoints });
      try {
        assert.equal(cluster.endpoints.length, 3);
        await cluster.members[0].kill();
        await client.put('still').value('writable');
        assert.equal(await client.get('still').string(), 'writable');
        await cluster.members[0].start();
      } finally {
        client.close();
        await cluster.close();
      }
    },
  );
});
