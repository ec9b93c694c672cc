/**
 * Our answers against HashiCorp's consul-api-double fixtures: the same field names, the same JSON
 * types. Fields of Connect and Enterprise (proxies, namespaces, sessions) are not produced, since
 * the cluster uses none of them; they are listed where they are left out.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderFixture, typeMismatches } from './api-double-fixtures';
import { agentForTest, asArray, asObject, call, keysOf, register } from './spec-support';

/** Fixture fields we do not produce, with why. */
const CONNECT_SERVICE_FIELDS = ['Kind', 'Proxy', 'ProxyDestination', 'Connect', 'Namespace'];
/** Consul's agent endpoint has no Raft indexes for a service any more (the fixture predates that). */
const OLD_AGENT_SERVICE_FIELDS = ['CreateIndex', 'ModifyIndex'];

function assertHasFixtureFields(
  actual: unknown,
  fixture: unknown,
  leftOut: string[],
  what: string,
) {
  const missing = keysOf(fixture).filter(
    (key) => !leftOut.includes(key) && !keysOf(actual).includes(key),
  );
  assert.deepEqual(missing, [], `${what}: fields of the fixture missing from our answer`);
  assert.deepEqual(
    typeMismatches(actual, fixture),
    [],
    `${what}: JSON types differ from the fixture`,
  );
}

describe('response shapes match the consul-api-double fixtures', () => {
  it('GET /v1/health/service/:name', async (t) => {
    const { server, client } = await agentForTest(t);
    await register(client(), {
      name: 'web',
      id: 'web-1',
      tags: ['leader'],
      address: '127.0.0.1',
      port: 7000,
      meta: { node_id: 'n1' },
      checks: [
        { ttl: '1h', notes: 'raft heartbeat' },
        { http: 'http://127.0.0.1:1/health', interval: '30s' },
      ],
    });
    const ours = asArray((await call(server, 'GET', '/v1/health/service/web')).json);
    const fixture = asArray(renderFixture({ file: 'v1/health/service/_', pathname: '/v1/web' }));
    assert.equal(ours.length, 1);
    const entry = asObject(ours[0]);
    const fixtureEntry = asObject(fixture[0]);
    assert.deepEqual(keysOf(entry), keysOf(fixtureEntry));
    assertHasFixtureFields(entry.Node, fixtureEntry.Node, [], 'Node');
    assertHasFixtureFields(entry.Service, fixtureEntry.Service, CONNECT_SERVICE_FIELDS, 'Service');
    const checks = asArray(entry.Checks).map(asObject);
    const fixtureCheck = asArray(fixtureEntry.Checks)[0];
    for (const check of checks)
      assertHasFixtureFields(check, fixtureCheck, [], `check ${String(check.CheckID)}`);

    assert.deepEqual(
      checks.map((check) => check.CheckID),
      ['serfHealth', 'service:web-1:1', 'service:web-1:2'],
    );
    assert.deepEqual(
      checks.map((check) => check.Type),
      ['', 'ttl', 'http'],
    );
    const ttl = checks[1];
    assert.equal(ttl.ServiceName, 'web');
    assert.deepEqual(ttl.ServiceTags, ['leader']);
    assert.equal(ttl.Notes, 'raft heartbeat');
    assert.equal(ttl.Node, asObject(entry.Node).Node);
    assert.equal(asObject(entry.Node).Datacenter, 'dc1');
  });

  it('GET /v1/agent/services', async (t) => {
    const { server, client } = await agentForTest(t);
    await register(client(), {
      name: 'web',
      port: 8181,
      tags: ['a'],
      meta: { k: 'v' },
    });
    const ours = asObject((await call(server, 'GET', '/v1/agent/services')).json);
    const fixture = asObject(
      renderFixture({ file: 'v1/agent/services', pathname: '/v1/agent/services' }),
    );
    assertHasFixtureFields(
      ours.web,
      fixture.web,
      [...CONNECT_SERVICE_FIELDS, ...OLD_AGENT_SERVICE_FIELDS],
      'agent service',
    );
  });

  it('GET /v1/kv/:key, ?keys, PUT', async (t) => {
    const { server } = await agentForTest(t);
    const put = await call(server, 'PUT', '/v1/kv/config/a', { body: 'value' });
    const putFixture = renderFixture({
      file: 'v1/kv/_',
      pathname: '/v1/kv/config/a',
      method: 'PUT',
    });
    assert.equal(typeof put.json, typeof putFixture);
    assert.equal(put.json, true);

    const ours = asArray((await call(server, 'GET', '/v1/kv/config/a')).json);
    const fixture = asArray(renderFixture({ file: 'v1/kv/_', pathname: '/v1/kv/config/a' }));
    // Session is only present on a locked key; we have no sessions.
    assertHasFixtureFields(ours[0], fixture[0], ['Session'], 'KV entry');

    const keys = (await call(server, 'GET', '/v1/kv/config/?keys')).json;
    const keysFixture = renderFixture({
      file: 'v1/kv/_',
      pathname: '/v1/kv/config/',
      search: { keys: '' },
    });
    assert.deepEqual(typeMismatches(keys, keysFixture), []);
  });

  it('GET /v1/status/leader', async (t) => {
    const { server } = await agentForTest(t);
    const ours = (await call(server, 'GET', '/v1/status/leader')).json;
    const fixture = renderFixture({ file: 'v1/status/leader', pathname: '/v1/status/leader' });
    assert.deepEqual(typeMismatches(ours, fixture), []);
    assert.match(String(ours), /^\d+\.\d+\.\d+\.\d+:\d+$/);
  });
});
