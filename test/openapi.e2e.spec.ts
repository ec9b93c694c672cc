import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  CREATE_MISSION_REQUEST,
  MISSION_PROGRESS_REQUEST,
  REGISTER_UAV_REQUEST,
  UAV_HEARTBEAT_REQUEST,
} from '@falconmind/fleet';
import { ClusterNodeHandle, createDistributedCluster } from '../apps/cluster-node/src/cluster-node';
import {
  createNodeDatabase,
  dropDatabases,
  freePortPair,
  testDataDir,
  waitFor,
} from './support/node-process';

interface OpenApiOperation {
  requestBody?: { content: { 'application/json': { schema: unknown } } };
  parameters?: Array<{ name: string; in: string }>;
  responses: Record<string, unknown>;
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, OpenApiOperation>>;
}

describe('the OpenAPI document at /docs and /docs-json', { timeout: 60_000 }, () => {
  let node: ClusterNodeHandle;
  let baseUrl: string;
  let document: OpenApiDocument;

  before(async () => {
    const port = await freePortPair();
    node = createDistributedCluster({
      nodeId: 'docs',
      address: '127.0.0.1',
      port,
      databaseUrl: await createNodeDatabase('docs'),
      dataDir: testDataDir('docs'),
      env: { LOG_LEVEL: 'warn', RAFT_TICK_MS: '20' },
    });
    await node.start();
    baseUrl = node.url;
    await waitFor('the node to lead', 10_000, async () => {
      const body = (await (await fetch(`${baseUrl}/cluster/info`)).json()) as {
        is_leader?: boolean;
      };
      return body.is_leader === true;
    });
    document = (await (await fetch(`${baseUrl}/docs-json`)).json()) as OpenApiDocument;
  });

  after(async () => {
    await node?.stop();
    await dropDatabases();
  });

  it('serves the interactive page', async () => {
    const page = await fetch(`${baseUrl}/docs`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /swagger/i);
  });

  it('documents every path of the API', () => {
    assert.match(document.openapi, /^3\./);
    assert.equal(document.info.title, 'FalconMind Cluster Center');
    for (const [path, method] of [
      ['/missions', 'get'],
      ['/missions', 'post'],
      ['/missions/{id}', 'get'],
      ['/missions/{id}', 'delete'],
      ['/missions/{id}/progress', 'post'],
      ['/missions/{id}/{action}', 'post'],
      ['/uavs', 'get'],
      ['/uavs/{id}', 'get'],
      ['/uavs/{id}/register', 'post'],
      ['/uavs/{id}/heartbeat', 'post'],
      ['/cluster/info', 'get'],
      ['/health/ready', 'get'],
    ]) {
      assert.ok(document.paths[path]?.[method], `${method.toUpperCase()} ${path} is documented`);
    }
  });

  it('shows, for each body, the schema the node validates it with', () => {
    const bodies: Array<[string, string, unknown]> = [
      ['/missions', 'post', CREATE_MISSION_REQUEST],
      ['/missions/{id}/progress', 'post', MISSION_PROGRESS_REQUEST],
      ['/uavs/{id}/register', 'post', REGISTER_UAV_REQUEST],
      ['/uavs/{id}/heartbeat', 'post', UAV_HEARTBEAT_REQUEST],
    ];
    for (const [path, method, schema] of bodies) {
      const documented =
        document.paths[path][method].requestBody?.content['application/json'].schema;
      assert.deepEqual(documented, JSON.parse(JSON.stringify(schema)), `${method} ${path}`);
    }
  });

  it('documents the read consistency parameters and the change headers', () => {
    const get = document.paths['/missions/{id}'].get;
    const names = (get.parameters ?? []).map((p) => p.name);
    for (const name of ['consistency', 'max_staleness_ms', 'min_index']) {
      assert.ok(names.includes(name), `${name} is documented`);
    }
    const dispatch = document.paths['/missions/{id}/{action}'].post;
    const headers = (dispatch.parameters ?? []).filter((p) => p.in === 'header').map((p) => p.name);
    assert.deepEqual(headers.sort(), ['Idempotency-Key', 'If-Match']);
    assert.ok(dispatch.responses['409'], 'the 409 of a refused change is documented');
  });

  it('refuses a body that breaks the documented schema with 400 naming each field', async () => {
    const answer = await fetch(`${baseUrl}/missions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: '', mission_type: 'SWARM', uav_list: [], priority: 1.5 }),
    });
    assert.equal(answer.status, 400);
    const body = (await answer.json()) as { details: Array<{ field: string; reason: string }> };
    assert.deepEqual(body.details.map((d) => d.field).sort(), [
      'mission_type',
      'name',
      'payload',
      'priority',
      'uav_list',
    ]);
    const listed = (await (await fetch(`${baseUrl}/missions`)).json()) as { items: unknown[] };
    assert.deepEqual(listed.items, [], 'nothing was proposed');
  });
});
