import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startConsul, startConsulTestServer } from './index';
import { asObject, call, CheckTarget, consulClient, waitFor, register } from './spec-support';

describe('test server lifecycle', () => {
  it('stop() drops the agent, start() brings it back on the same port with its state', async (t) => {
    const server = await startConsulTestServer({ timeScale: 0.05 });
    const target = await CheckTarget.start();
    t.after(async () => {
      await server.close();
      await target.close();
    });
    assert.equal(server.kind, 'fake');
    assert.equal(server.host, '127.0.0.1');
    assert.equal(server.url, `http://127.0.0.1:${server.port}`);
    const consul = consulClient(server);
    t.after(() => consul.destroy());
    await register(consul, {
      name: 'web',
      check: { http: target.url, interval: '1s' },
    });
    await consul.kv.set('k', 'v');
    await waitFor('the check to pass', 3000, () => target.seen.length > 0);

    // A blocking query in progress ends with the connection when the agent goes down.
    const held = call(server, 'GET', '/v1/health/service/web?index=999999&wait=10m');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const port = server.port;
    await server.stop();
    await assert.rejects(held);
    await assert.rejects(call(server, 'GET', '/v1/agent/services'));

    // No check runs while the agent is down.
    const seenWhileDown = target.seen.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(target.seen.length, seenWhileDown);

    await server.start();
    assert.equal(server.port, port);
    assert.ok('web' in asObject((await call(server, 'GET', '/v1/agent/services')).json));
    assert.equal((await consul.kv.get('k'))?.Value, 'v');
    await waitFor('the check to run again', 3000, () => target.seen.length > seenWhileDown);
  });

  it('listens on the given port, and refuses to start again once closed', async () => {
    const first = await startConsulTestServer();
    const port = first.port;
    await first.close();
    const second = await startConsulTestServer({ port });
    try {
      assert.equal(second.port, port);
      assert.equal((await call(second, 'GET', '/v1/status/leader')).status, 200);
    } finally {
      await second.close();
    }
    await assert.rejects(second.start(), /closed/);
    await assert.rejects(startConsulTestServer({ timeScale: 0 }), /timeScale/);
  });

  it('startConsul() falls back to the fake when no consul binary is on the PATH', async (t) => {
    const path = process.env.PATH;
    process.env.PATH = '';
    t.after(() => {
      process.env.PATH = path;
    });
    const server = await startConsul();
    t.after(() => server.close());
    assert.equal(server.kind, 'fake');
    assert.equal((await call(server, 'GET', '/v1/status/leader')).status, 200);
  });
});
