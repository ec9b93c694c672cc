import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agentForTest, asArray, asObject, call, register, ServiceSpec } from './spec-support';

const json = (value: unknown) => ({
  body: JSON.stringify(value),
  headers: { 'Content-Type': 'application/json' },
});

describe('agent service registration', () => {
  it('registers a service with the consul client and lists it as /v1/agent/services shapes it', async (t) => {
    const { server, client } = await agentForTest(t);
    await register(client(), {
      name: 'falconmind',
      id: 'falconmind-node-1',
      tags: ['raft', 'follower'],
      address: '127.0.0.1',
      port: 7101,
      meta: { node_id: 'node-1' },
    });

    const services = asObject((await call(server, 'GET', '/v1/agent/services')).json);
    assert.deepEqual(Object.keys(services), ['falconmind-node-1']);
    const service = asObject(services['falconmind-node-1']);
    assert.equal(service.ID, 'falconmind-node-1');
    assert.equal(service.Service, 'falconmind');
    assert.deepEqual(service.Tags, ['raft', 'follower']);
    assert.deepEqual(service.Meta, { node_id: 'node-1' });
    assert.equal(service.Port, 7101);
    assert.equal(service.Address, '127.0.0.1');
    assert.deepEqual(service.Weights, { Passing: 1, Warning: 1 });
    assert.equal(service.EnableTagOverride, false);
    assert.equal(service.Datacenter, 'dc1');

    const one = await call(server, 'GET', '/v1/agent/service/falconmind-node-1');
    assert.equal(one.status, 200);
    assert.equal(asObject(one.json).Service, 'falconmind');
    assert.equal(typeof asObject(one.json).ContentHash, 'string');
    assert.equal((await call(server, 'GET', '/v1/agent/service/nope')).status, 404);
  });

  it('defaults the ID to the name and the tags and meta to empty', async (t) => {
    const { server } = await agentForTest(t);
    const answer = await call(server, 'PUT', '/v1/agent/service/register', json({ Name: 'bare' }));
    assert.equal(answer.status, 200);
    const service = asObject(asObject((await call(server, 'GET', '/v1/agent/services')).json).bare);
    assert.equal(service.ID, 'bare');
    assert.deepEqual(service.Tags, []);
    assert.deepEqual(service.Meta, {});
    assert.equal(service.Port, 0);
  });

  it('updates tags and meta when the same ID is registered again, keeping check state', async (t) => {
    const { server, client } = await agentForTest(t);
    const registration: ServiceSpec = {
      name: 'falconmind',
      id: 'node-1',
      tags: ['follower'],
      check: { ttl: '30s', status: 'passing' },
    };
    await register(client(), registration);
    await client().agent.check.pass({ id: 'service:node-1', note: 'alive' });
    await register(client(), {
      ...registration,
      tags: ['leader'],
      meta: { term: '7' },
    });

    const service = asObject(
      asObject((await call(server, 'GET', '/v1/agent/services')).json)['node-1'],
    );
    assert.deepEqual(service.Tags, ['leader']);
    assert.deepEqual(service.Meta, { term: '7' });
    const check = asObject(
      asObject((await call(server, 'GET', '/v1/agent/checks')).json)['service:node-1'],
    );
    assert.equal(check.Status, 'passing');
    assert.equal(check.Output, 'alive');
    assert.deepEqual(check.ServiceTags, ['leader']);
  });

  it('names checks as Consul does and starts them critical unless Status is given', async (t) => {
    const { server } = await agentForTest(t);
    await call(
      server,
      'PUT',
      '/v1/agent/service/register',
      json({
        Name: 'single',
        Check: { TTL: '30s' },
      }),
    );
    await call(
      server,
      'PUT',
      '/v1/agent/service/register',
      json({
        Name: 'many',
        Checks: [
          { TTL: '30s' },
          { TTL: '30s', Status: 'warning' },
          { CheckID: 'mine', TTL: '30s', Name: 'Mine' },
        ],
      }),
    );
    const checks = asObject((await call(server, 'GET', '/v1/agent/checks')).json);
    assert.deepEqual(Object.keys(checks).sort(), [
      'mine',
      'service:many:1',
      'service:many:2',
      'service:single',
    ]);
    const single = asObject(checks['service:single']);
    assert.equal(single.Status, 'critical');
    assert.equal(single.Name, "Service 'single' check");
    assert.equal(single.ServiceID, 'single');
    assert.equal(single.ServiceName, 'single');
    assert.equal(single.Type, 'ttl');
    assert.equal(asObject(checks['service:many:2']).Status, 'warning');
    assert.equal(asObject(checks.mine).Name, 'Mine');
  });

  it('keeps checks missing from a new registration unless ?replace-existing-checks', async (t) => {
    const { server } = await agentForTest(t);
    const registerRaw = (body: unknown, query = '') =>
      call(server, 'PUT', `/v1/agent/service/register${query}`, json(body));
    await registerRaw({
      Name: 'svc',
      Checks: [
        { CheckID: 'a', TTL: '30s' },
        { CheckID: 'b', TTL: '30s' },
      ],
    });
    await registerRaw({ Name: 'svc', Checks: [{ CheckID: 'a', TTL: '30s' }] });
    assert.deepEqual(
      Object.keys(asObject((await call(server, 'GET', '/v1/agent/checks')).json)).sort(),
      ['a', 'b'],
    );
    await registerRaw(
      { Name: 'svc', Checks: [{ CheckID: 'a', TTL: '30s' }] },
      '?replace-existing-checks',
    );
    assert.deepEqual(Object.keys(asObject((await call(server, 'GET', '/v1/agent/checks')).json)), [
      'a',
    ]);
  });

  it('refuses invalid registrations with 400 and Consul messages', async (t) => {
    const { server } = await agentForTest(t);
    const registerRaw = (body: string) =>
      call(server, 'PUT', '/v1/agent/service/register', {
        body,
        headers: { 'Content-Type': 'application/json' },
      });

    const noName = await registerRaw(JSON.stringify({ ID: 'x', Port: 1 }));
    assert.equal(noName.status, 400);
    assert.match(noName.text, /Missing service name/);

    const both = await registerRaw(
      JSON.stringify({ Name: 'x', Check: { HTTP: 'http://127.0.0.1:1/', TTL: '10s' } }),
    );
    assert.equal(both.status, 400);
    assert.match(both.text, /^Invalid check: /);

    const bothWithInterval = await registerRaw(
      JSON.stringify({
        Name: 'x',
        Check: { HTTP: 'http://127.0.0.1:1/', Interval: '1s', TTL: '10s' },
      }),
    );
    assert.equal(bothWithInterval.status, 400);
    assert.match(bothWithInterval.text, /Interval and TTL cannot both be specified/);

    const noInterval = await registerRaw(
      JSON.stringify({ Name: 'x', Check: { HTTP: 'http://127.0.0.1:1/' } }),
    );
    assert.equal(noInterval.status, 400);
    assert.match(noInterval.text, /Interval must be > 0/);

    const noTtl = await registerRaw(
      JSON.stringify({ Name: 'x', Checks: [{ Notes: 'nothing to run' }] }),
    );
    assert.equal(noTtl.status, 400);
    assert.match(noTtl.text, /TTL must be > 0 for TTL checks/);

    const badStatus = await registerRaw(
      JSON.stringify({ Name: 'x', Check: { TTL: '1s', Status: 'ok' } }),
    );
    assert.equal(badStatus.status, 400);

    const badDuration = await registerRaw(JSON.stringify({ Name: 'x', Check: { TTL: 'soon' } }));
    assert.equal(badDuration.status, 400);
    assert.match(badDuration.text, /Request decode failed/);

    const malformed = await registerRaw('{"Name": ');
    assert.equal(malformed.status, 400);
    assert.match(malformed.text, /Request decode failed/);

    assert.deepEqual(asObject((await call(server, 'GET', '/v1/agent/services')).json), {});
  });

  it('deregisters a service with its checks; an unknown ID is a 404', async (t) => {
    const { server, client } = await agentForTest(t);
    await register(client(), { name: 'gone', check: { ttl: '30s' } });
    await client().agent.service.deregister('gone');
    assert.deepEqual(asObject((await call(server, 'GET', '/v1/agent/services')).json), {});
    assert.deepEqual(asObject((await call(server, 'GET', '/v1/agent/checks')).json), {});
    assert.deepEqual(asArray((await call(server, 'GET', '/v1/health/service/gone')).json), []);
    const unknown = await call(server, 'PUT', '/v1/agent/service/deregister/gone');
    assert.equal(unknown.status, 404);
  });

  it('answers 404 for unknown endpoints, 405 for a wrong method, and knows its leader', async (t) => {
    const { server } = await agentForTest(t);
    assert.equal((await call(server, 'GET', '/v1/agent/nope')).status, 404);
    assert.equal((await call(server, 'GET', '/v2/anything')).status, 404);
    assert.equal((await call(server, 'GET', '/v1/agent/service/register')).status, 405);
    assert.equal((await call(server, 'DELETE', '/v1/health/service/x')).status, 405);
    const leader = await call(server, 'GET', '/v1/status/leader');
    assert.equal(leader.status, 200);
    assert.match(String(leader.json), /^127\.0\.0\.1:\d+$/);
  });

  it('lists catalog services and service instances', async (t) => {
    const { server, client } = await agentForTest(t);
    await register(client(), { name: 'falconmind', id: 'n1', tags: ['a'], port: 1 });
    await register(client(), { name: 'falconmind', id: 'n2', tags: ['b'], port: 2 });
    const names = asObject((await call(server, 'GET', '/v1/catalog/services')).json);
    assert.deepEqual(names.consul, []);
    assert.deepEqual(asArray(names.falconmind).sort(), ['a', 'b']);
    const instances = asArray(
      (await call(server, 'GET', '/v1/catalog/service/falconmind')).json,
    ).map(asObject);
    assert.deepEqual(
      instances.map((entry) => entry.ServiceID),
      ['n1', 'n2'],
    );
    assert.deepEqual(
      instances.map((entry) => entry.ServicePort),
      [1, 2],
    );
    const tagged = asArray(
      (await call(server, 'GET', '/v1/catalog/service/falconmind?tag=b')).json,
    );
    assert.equal(tagged.length, 1);
  });

  it("accepts PUT /v1/catalog/deregister, which leaves the agent's own services in place", async (t) => {
    const { server, client } = await agentForTest(t);
    await register(client(), { name: 'web', id: 'web-1' });
    await client().catalog.deregister({ node: 'some-other-node', serviceid: 'web-1' });
    const missingNode = await call(server, 'PUT', '/v1/catalog/deregister', {
      body: JSON.stringify({ ServiceID: 'web-1' }),
    });
    assert.equal(missingNode.status, 400);
    assert.equal(asArray((await call(server, 'GET', '/v1/health/service/web')).json).length, 1);
  });
});
