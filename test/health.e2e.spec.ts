import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ClusterNodeHandle, createDistributedCluster } from '../apps/cluster-node/src/cluster-node';
import {
  createNodeDatabase,
  dropDatabases,
  freePortPair,
  testDataDir,
  waitFor,
} from './support/node-process';

describe(
  'a one-node cluster in this process (real sockets, real PostgreSQL)',
  { timeout: 60_000 },
  () => {
    let node: ClusterNodeHandle;
    let baseUrl: string;

    before(async () => {
      const port = await freePortPair();
      node = createDistributedCluster({
        nodeId: 'solo',
        address: '127.0.0.1',
        port,
        databaseUrl: await createNodeDatabase('solo'),
        dataDir: testDataDir('solo'),
        env: { LOG_LEVEL: 'warn', RAFT_TICK_MS: '20' },
      });
      await node.start();
      baseUrl = node.url;
      await waitFor('solo to lead', 10_000, async () => {
        const body = (await (await fetch(`${baseUrl}/cluster/info`)).json()) as {
          is_leader?: boolean;
        };
        return body.is_leader === true;
      });
    });

    after(async () => {
      await node?.stop();
      await dropDatabases();
    });

    it('GET /health/live and /health/ready answer 200', async () => {
      assert.equal((await fetch(`${baseUrl}/health/live`)).status, 200);
      const ready = await fetch(`${baseUrl}/health/ready`);
      assert.equal(ready.status, 200);
      const body = (await ready.json()) as { details: Record<string, { status: string }> };
      assert.equal(body.details.database.status, 'up');
      assert.equal(body.details.raft.status, 'up');
    });

    it('GET /cluster/info has the original fields and the Raft ones', async () => {
      const body = (await (await fetch(`${baseUrl}/cluster/info`)).json()) as Record<
        string,
        unknown
      >;
      for (const field of [
        'node_id',
        'address',
        'leader',
        'is_leader',
        'nodes',
        'term',
        'commit_index',
      ]) {
        assert.ok(field in body, field);
      }
      assert.equal(body.node_id, 'solo');
      assert.equal(body.leader, 'solo');
      assert.deepEqual(
        (body.nodes as Array<{ node_id: string; role: string }>).map((n) => [n.node_id, n.role]),
        [['solo', 'leader']],
      );
    });

    it('refuses a bad registration with 400 naming each field, and answers 404 for an unknown path', async () => {
      const response = await fetch(`${baseUrl}/cluster/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ node_id: 'bad id!', port: 'x' }),
      });
      assert.equal(response.status, 400);
      const body = (await response.json()) as {
        statusCode: number;
        details: Array<{ field: string }>;
      };
      assert.equal(body.statusCode, 400);
      assert.deepEqual(body.details.map((d) => d.field).sort(), ['node_id', 'port', 'raft_port']);
      assert.equal((await fetch(`${baseUrl}/no-such-path`)).status, 404);
    });
  },
);
