import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KvEntryJson } from './index';
import { agentForTest, asArray, call, indexOf } from './spec-support';

describe('KV store', () => {
  it('stores raw bytes and answers them base64 with indexes, 404 when absent', async (t) => {
    const { server, client } = await agentForTest(t);
    const consul = client();
    assert.equal(await consul.kv.get('config/raft'), undefined);
    assert.equal((await call(server, 'GET', '/v1/kv/config/raft')).status, 404);

    assert.equal(await consul.kv.set('config/raft', '{"electionTimeoutMs":300}'), true);
    const answer = await call(server, 'GET', '/v1/kv/config/raft');
    const [entry] = answer.json as KvEntryJson[];
    assert.equal(entry.Key, 'config/raft');
    assert.equal(Buffer.from(entry.Value ?? '', 'base64').toString(), '{"electionTimeoutMs":300}');
    assert.equal(entry.Flags, 0);
    assert.equal(entry.LockIndex, 0);
    assert.equal(entry.CreateIndex, entry.ModifyIndex);
    assert.equal(indexOf(answer), entry.ModifyIndex);

    const viaClient = await consul.kv.get('config/raft');
    assert.equal(viaClient?.Value, '{"electionTimeoutMs":300}');

    await consul.kv.set('config/raft', 'v2');
    const [updated] = (await call(server, 'GET', '/v1/kv/config/raft')).json as KvEntryJson[];
    assert.equal(updated.CreateIndex, entry.CreateIndex);
    assert.ok(updated.ModifyIndex > entry.ModifyIndex);

    const raw = await call(server, 'GET', '/v1/kv/config/raft?raw');
    assert.equal(raw.status, 200);
    assert.equal(raw.text, 'v2');

    const binary = Buffer.from([0, 255, 1, 2]);
    await call(server, 'PUT', '/v1/kv/blob?flags=42', { body: binary });
    const [blob] = (await call(server, 'GET', '/v1/kv/blob')).json as KvEntryJson[];
    assert.deepEqual(Buffer.from(blob.Value ?? '', 'base64'), binary);
    assert.equal(blob.Flags, 42);

    await call(server, 'PUT', '/v1/kv/empty', { body: '' });
    const [empty] = (await call(server, 'GET', '/v1/kv/empty')).json as KvEntryJson[];
    assert.equal(empty.Value, null);
  });

  it('lets exactly one of 10 concurrent cas=0 creates win', async (t) => {
    const { client } = await agentForTest(t);
    const consul = client();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_item, i) =>
        consul.kv.set({ key: 'cluster/bootstrap', value: `node-${i}`, cas: 0 }),
      ),
    );
    assert.equal(results.filter((won) => won === true).length, 1);
    // The client turns Consul's `false` answer into undefined.
    assert.equal(results.filter((won) => won !== true).length, 9);
    const winner = results.indexOf(true);
    assert.equal((await consul.kv.get('cluster/bootstrap'))?.Value, `node-${winner}`);
  });

  it('writes and deletes with cas=N only at that ModifyIndex', async (t) => {
    const { server, client } = await agentForTest(t);
    const consul = client();
    await consul.kv.set('leader', 'node-1');
    const first = await consul.kv.get('leader');
    const index = Number(first?.ModifyIndex);
    assert.equal(await consul.kv.set({ key: 'leader', value: 'node-2', cas: index }), true);
    const put = async (key: string, cas: string) =>
      (await call(server, 'PUT', `/v1/kv/${key}?cas=${cas}`, { body: 'node-3' })).json;
    assert.equal(await put('leader', String(index)), false);
    assert.equal(await put('leader', '0'), false);
    assert.equal(await put('absent', '5'), false);
    assert.equal((await consul.kv.get('leader'))?.Value, 'node-2');

    const current = String((await consul.kv.get('leader'))?.ModifyIndex);
    assert.equal((await call(server, 'DELETE', `/v1/kv/leader?cas=${index}`)).json, false);
    assert.equal((await call(server, 'DELETE', `/v1/kv/leader?cas=${current}`)).json, true);
    assert.equal(await consul.kv.get('leader'), undefined);
    assert.equal((await call(server, 'DELETE', '/v1/kv/never-there')).json, true);
  });

  it('reads and deletes a prefix with ?recurse and lists ?keys with a separator', async (t) => {
    const { server, client } = await agentForTest(t);
    const consul = client();
    for (const key of ['nodes/b', 'nodes/a', 'nodes/c/d', 'other']) await consul.kv.set(key, key);

    const recursed = (await call(server, 'GET', '/v1/kv/nodes/?recurse')).json as KvEntryJson[];
    assert.deepEqual(
      recursed.map((entry) => entry.Key),
      ['nodes/a', 'nodes/b', 'nodes/c/d'],
    );
    const keys = await call(server, 'GET', '/v1/kv/nodes/?keys&separator=/');
    assert.deepEqual(keys.json, ['nodes/a', 'nodes/b', 'nodes/c/']);
    assert.deepEqual((await call(server, 'GET', '/v1/kv/?keys')).json, [
      'nodes/a',
      'nodes/b',
      'nodes/c/d',
      'other',
    ]);
    assert.equal((await call(server, 'GET', '/v1/kv/none/?recurse')).status, 404);

    const before = indexOf(await call(server, 'GET', '/v1/kv/nodes/?recurse'));
    assert.equal((await call(server, 'DELETE', '/v1/kv/nodes/?recurse')).json, true);
    const gone = await call(server, 'GET', '/v1/kv/nodes/?recurse');
    assert.equal(gone.status, 404);
    assert.ok(indexOf(gone) > before, 'a deletion moves the index of the prefix forward');
    assert.deepEqual(asArray((await call(server, 'GET', '/v1/kv/?keys')).json), ['other']);
  });

  it('refuses a write without a key', async (t) => {
    const { server } = await agentForTest(t);
    const answer = await call(server, 'PUT', '/v1/kv/', { body: 'x' });
    assert.equal(answer.status, 400);
    assert.match(answer.text, /Missing key name/);
  });
});
