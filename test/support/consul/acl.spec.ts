import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agentForTest, asArray, call, register } from './spec-support';

const TOKEN = 'c0ffee00-0000-4000-8000-000000000001';

describe('ACLs (default-deny, one management token)', () => {
  it('refuses writes without a token with 403 Permission denied, and hides lists', async (t) => {
    const { server, client } = await agentForTest(t, { aclToken: TOKEN });
    await register(client(TOKEN), { name: 'web', check: { ttl: '1h' } });
    await client(TOKEN).kv.set('secret', 'x');

    const registerAnswer = await call(server, 'PUT', '/v1/agent/service/register', {
      body: JSON.stringify({ Name: 'intruder' }),
    });
    assert.equal(registerAnswer.status, 403);
    assert.match(registerAnswer.text, /^Permission denied/);
    await assert.rejects(
      register(client(''), { name: 'intruder' }),
      // The client shows a long error body as the status text only.
      (error: { statusCode?: number }) => error.statusCode === 403,
    );
    assert.equal((await call(server, 'PUT', '/v1/kv/secret', { body: 'y' })).status, 403);
    assert.equal((await call(server, 'GET', '/v1/kv/secret')).status, 403);
    assert.equal((await call(server, 'PUT', '/v1/agent/check/pass/service:web')).status, 403);
    assert.equal((await call(server, 'PUT', '/v1/agent/service/deregister/web')).status, 403);

    // Consul filters what the anonymous token may not read rather than refusing the read.
    const health = await call(server, 'GET', '/v1/health/service/web');
    assert.equal(health.status, 200);
    assert.deepEqual(health.json, []);
    assert.equal(health.headers.get('x-consul-results-filtered-by-acls'), 'true');
    assert.deepEqual((await call(server, 'GET', '/v1/agent/services')).json, {});
  });

  it('refuses every request with a wrong token with 403 ACL not found', async (t) => {
    const { server, client } = await agentForTest(t, { aclToken: TOKEN });
    const wrong = { headers: { 'X-Consul-Token': 'not-the-token' } };
    for (const [method, path] of [
      ['GET', '/v1/health/service/web'],
      ['GET', '/v1/agent/services'],
      ['GET', '/v1/kv/secret'],
      ['PUT', '/v1/agent/service/register'],
    ]) {
      const answer = await call(server, method, path, wrong);
      assert.equal(answer.status, 403, `${method} ${path}`);
      assert.match(answer.text, /ACL not found/);
    }
    await assert.rejects(client('not-the-token').kv.get('secret'), /ACL not found/);
  });

  it('accepts the token from X-Consul-Token, Authorization: Bearer and ?token=', async (t) => {
    const { server } = await agentForTest(t, { aclToken: TOKEN });
    const body = JSON.stringify({ Name: 'web' });
    assert.equal(
      (
        await call(server, 'PUT', '/v1/agent/service/register', {
          body,
          headers: { 'X-Consul-Token': TOKEN },
        })
      ).status,
      200,
    );
    assert.equal(
      (
        await call(server, 'PUT', '/v1/kv/k', {
          body: 'v',
          headers: { Authorization: `Bearer ${TOKEN}` },
        })
      ).status,
      200,
    );
    const health = await call(server, 'GET', `/v1/health/service/web?token=${TOKEN}`);
    assert.equal(asArray(health.json).length, 1);
    // Consul answers its status endpoints without a token.
    assert.equal((await call(server, 'GET', '/v1/status/leader')).status, 200);
  });
});
