import assert from 'node:assert/strict';
import { describe, it, TestContext } from 'node:test';
import { HealthCheckJson, ServiceEntryJson } from './index';
import {
  agentForTest,
  asObject,
  call,
  checkTargetForTest,
  waitFor,
  register,
} from './spec-support';

/** Check intervals of "10s" become 200 ms, the 1 min reap floor 1.2 s, the 30 s reaper 600 ms. */
const TIME_SCALE = 0.02;

/** Runs only against the fake: a real agent takes its durations at face value. */
async function fakeAgentForTest(t: TestContext) {
  const agent = await agentForTest(t, { timeScale: TIME_SCALE });
  if (agent.server.kind !== 'fake') t.skip('needs timeScale, which only the fake honours');
  return agent.server.kind === 'fake' ? agent : undefined;
}

async function serviceCheck(
  agent: Awaited<ReturnType<typeof agentForTest>>,
  service: string,
  checkId: string,
): Promise<HealthCheckJson | undefined> {
  const entries = (await call(agent.server, 'GET', `/v1/health/service/${service}`))
    .json as ServiceEntryJson[];
  return entries[0]?.Checks.find((check) => check.CheckID === checkId);
}

describe('checks', () => {
  it('runs an HTTP check: passing, critical on 503 and when its server stops, then reaped', async (t) => {
    const agent = await fakeAgentForTest(t);
    if (!agent) return;
    const target = await checkTargetForTest(t);
    await register(agent.client(), {
      name: 'falconmind',
      id: 'node-1',
      check: { http: target.url, interval: '10s', deregistercriticalserviceafter: '1m' },
    });
    const status = async () => (await serviceCheck(agent, 'falconmind', 'service:node-1'))?.Status;

    await waitFor('the check to pass', 3000, async () => (await status()) === 'passing');
    const passing = await serviceCheck(agent, 'falconmind', 'service:node-1');
    assert.equal(passing?.Output, `HTTP GET ${target.url}: 200 OK Output: ok`);
    assert.equal(passing?.Type, 'http');
    assert.equal(passing?.Interval, '10s');
    assert.equal(target.seen[0]?.method, 'GET');
    assert.equal(target.seen[0]?.headers['user-agent'], 'Consul Health Check');

    target.statusCode = 503;
    target.body = 'draining';
    await waitFor('the check to fail on 503', 3000, async () => (await status()) === 'critical');
    const failing = await serviceCheck(agent, 'falconmind', 'service:node-1');
    assert.equal(
      failing?.Output,
      `HTTP GET ${target.url}: 503 Service Unavailable Output: draining`,
    );

    target.statusCode = 200;
    await waitFor('the check to pass again', 3000, async () => (await status()) === 'passing');

    await target.close();
    await waitFor(
      'the check to fail once its server is gone',
      3000,
      async () => (await status()) === 'critical',
    );
    const criticalSince = Date.now();
    const refused = await serviceCheck(agent, 'falconmind', 'service:node-1');
    assert.match(
      refused?.Output ?? '',
      /^Get "http:\/\/127\.0\.0\.1:\d+\/health": dial tcp 127\.0\.0\.1:\d+: connect: connection refused$/,
    );

    await waitFor('the reaper to deregister the service', 6000, async () => {
      const services = asObject((await call(agent.server, 'GET', '/v1/agent/services')).json);
      return !('node-1' in services);
    });
    // Not before the (scaled) one-minute DeregisterCriticalServiceAfter.
    assert.ok(Date.now() - criticalSince >= 900, `reaped after ${Date.now() - criticalSince} ms`);
    assert.deepEqual(asObject((await call(agent.server, 'GET', '/v1/agent/checks')).json), {});
  });

  it('turns an HTTP check warning on 429, critical on timeout, and uses its Method and Header', async (t) => {
    const agent = await fakeAgentForTest(t);
    if (!agent) return;
    const target = await checkTargetForTest(t);
    target.statusCode = 429;
    await call(agent.server, 'PUT', '/v1/agent/service/register', {
      body: JSON.stringify({
        Name: 'svc',
        Check: {
          HTTP: target.url,
          Method: 'POST',
          Header: { 'X-Probe': ['yes'] },
          Interval: '10s',
          Timeout: '8s',
        },
      }),
    });
    const status = async () => (await serviceCheck(agent, 'svc', 'service:svc'))?.Status;
    await waitFor('the check to warn on 429', 3000, async () => (await status()) === 'warning');
    assert.equal(target.seen[0]?.method, 'POST');
    assert.equal(target.seen[0]?.headers['x-probe'], 'yes');
    assert.match(
      (await serviceCheck(agent, 'svc', 'service:svc'))?.Output ?? '',
      /^HTTP POST .*: 429 Too Many Requests Output: ok$/,
    );

    target.hang = true;
    await waitFor('the check to time out', 3000, async () => (await status()) === 'critical');
    assert.match(
      (await serviceCheck(agent, 'svc', 'service:svc'))?.Output ?? '',
      /^Post ".*": context deadline exceeded \(Client\.Timeout exceeded while awaiting headers\)$/,
    );
  });

  it('expires a TTL check that is not passed in time, and follows pass/warn/fail/update', async (t) => {
    const agent = await fakeAgentForTest(t);
    if (!agent) return;
    const consul = agent.client();
    // 30 s scaled: 600 ms, long enough to read the passing state before it expires.
    await register(consul, { name: 'ttl-svc', check: { ttl: '30s' } });
    const check = () => serviceCheck(agent, 'ttl-svc', 'service:ttl-svc');
    assert.equal((await check())?.Status, 'critical');
    assert.equal((await check())?.Type, 'ttl');

    await consul.agent.check.pass({ id: 'service:ttl-svc', note: 'leader elected' });
    assert.equal((await check())?.Status, 'passing');
    assert.equal((await check())?.Output, 'leader elected');

    await waitFor('the TTL to expire', 3000, async () => (await check())?.Status === 'critical');
    assert.equal(
      (await check())?.Output,
      'TTL expired (last output before timeout follows): leader elected',
    );

    assert.equal(
      (await call(agent.server, 'PUT', '/v1/agent/check/warn/service:ttl-svc?note=slow')).status,
      200,
    );
    assert.deepEqual([(await check())?.Status, (await check())?.Output], ['warning', 'slow']);
    assert.equal(
      (await call(agent.server, 'PUT', '/v1/agent/check/fail/service:ttl-svc')).status,
      200,
    );
    assert.equal((await check())?.Status, 'critical');
    const update = await call(agent.server, 'PUT', '/v1/agent/check/update/service:ttl-svc', {
      body: JSON.stringify({ Status: 'passing', Output: 'all good' }),
    });
    assert.equal(update.status, 200);
    assert.deepEqual([(await check())?.Status, (await check())?.Output], ['passing', 'all good']);
  });

  it('refuses updates of unknown and non-TTL checks and invalid statuses', async (t) => {
    const { server, client } = await agentForTest(t);
    const target = await checkTargetForTest(t);
    await register(client(), {
      name: 'h',
      check: { http: target.url, interval: '30s' },
    });
    await register(client(), { name: 'ttl', check: { ttl: '30s' } });
    const unknown = await call(server, 'PUT', '/v1/agent/check/pass/nope');
    assert.equal(unknown.status, 404);
    assert.match(unknown.text, /Unknown check ID "nope"/);
    const notTtl = await call(server, 'PUT', '/v1/agent/check/pass/service:h');
    assert.equal(notTtl.status, 500);
    assert.match(notTtl.text, /does not have associated TTL/);
    const badStatus = await call(server, 'PUT', '/v1/agent/check/update/service:ttl', {
      body: JSON.stringify({ Status: 'fine' }),
    });
    assert.equal(badStatus.status, 400);
  });

  it('reaps no sooner than one minute (scaled), however short DeregisterCriticalServiceAfter is', async (t) => {
    const agent = await fakeAgentForTest(t);
    if (!agent) return;
    const started = Date.now();
    await register(agent.client(), {
      name: 'doomed',
      check: { ttl: '10s', deregistercriticalserviceafter: '1s' },
    });
    await register(agent.client(), { name: 'kept', check: { ttl: '10s' } });
    const registered = async (id: string) =>
      id in asObject((await call(agent.server, 'GET', '/v1/agent/services')).json);
    await waitFor('the reaper', 6000, async () => !(await registered('doomed')));
    assert.ok(Date.now() - started >= 1100, `reaped after ${Date.now() - started} ms`);
    assert.ok(
      await registered('kept'),
      'a check without DeregisterCriticalServiceAfter is never reaped',
    );
  });
});
