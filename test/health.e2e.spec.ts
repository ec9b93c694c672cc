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

    it('refuses what it cannot read with a 4xx naming the part, and reads the rest as before', async () => {
      type Problem = { field: string; reason: string };
      const problem = async (response: Response) => {
        const body = (await response.json()) as { statusCode: number; details: Problem[] };
        assert.equal(body.statusCode, response.status);
        return { status: response.status, fields: body.details.map((d) => d.field) };
      };
      const post = (path: string, contentType: string | undefined, body?: string) =>
        fetch(`${baseUrl}${path}`, {
          method: 'POST',
          headers: contentType === undefined ? {} : { 'content-type': contentType },
          body,
        });
      // Not JSON, a prototype-poisoning key, a type no route reads, a path that is not UTF-8.
      assert.deepEqual(await problem(await post('/missions', 'application/json', '{"name": ')), {
        status: 400,
        fields: ['body'],
      });
      assert.deepEqual(
        await problem(await post('/missions', 'application/json', '{"__proto__": {"x": 1}}')),
        { status: 400, fields: ['body'] },
      );
      assert.deepEqual(await problem(await post('/missions', 'text/xml', '<mission/>')), {
        status: 415,
        fields: ['content-type'],
      });
      assert.deepEqual(await problem(await fetch(`${baseUrl}/missions/%E0%A4%A`)), {
        status: 400,
        fields: ['path'],
      });
      // Over the default 100 KB: a 413 on a connection that stays open.
      const tooLarge = await post('/missions', 'application/json', `"${'x'.repeat(200 * 1024)}"`);
      // HTTP/1.1 keeps a connection without a Connection header (Fastify 5.12 removes it outright).
      assert.notEqual(tooLarge.headers.get('connection')?.toLowerCase(), 'close');
      assert.deepEqual(await problem(tooLarge), { status: 413, fields: ['body'] });
      // An empty JSON body is no body: the schema names what is missing.
      const empty = await problem(await post('/missions', 'application/json', ''));
      assert.equal(empty.status, 400);
      assert.ok(empty.fields.includes('name'), empty.fields.join());
      // A trailing slash names the same route.
      assert.equal((await fetch(`${baseUrl}/cluster/info/`)).status, 200);
    });
  },
);
