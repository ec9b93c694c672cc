import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { ServiceEntryJson } from './index';
import {
  agentForTest,
  asArray,
  asObject,
  call,
  checkTargetForTest,
  indexOf,
  waitFor,
  register,
} from './spec-support';

/** `wait=10s` lasts 1 s on the fake; a real agent waits the full 10 s. */
const TIME_SCALE = 0.1;
const WAIT = '10s';

describe('blocking queries', () => {
  it('wakes a health watcher on register, check status change and deregister; the index only grows', async (t) => {
    const { server, client } = await agentForTest(t, { timeScale: TIME_SCALE });
    const consul = client();
    const watch = async (index: number) => {
      const started = Date.now();
      const answer = await call(
        server,
        'GET',
        `/v1/health/service/web?index=${index}&wait=${WAIT}`,
      );
      return { answer, elapsedMs: Date.now() - started };
    };

    const first = await call(server, 'GET', '/v1/health/service/web');
    assert.equal(first.status, 200);
    assert.deepEqual(first.json, []);
    assert.equal(first.headers.get('x-consul-knownleader'), 'true');
    assert.equal(first.headers.get('x-consul-lastcontact'), '0');
    const indexes = [indexOf(first)];

    const registered = watch(indexes[0]);
    await sleep(50);
    await register(consul, { name: 'web', id: 'web-1', check: { ttl: '1h' } });
    const afterRegister = await registered;
    assert.ok(afterRegister.elapsedMs < 900, `woke after ${afterRegister.elapsedMs} ms`);
    const entries = afterRegister.answer.json as ServiceEntryJson[];
    assert.deepEqual(
      entries.map((entry) => entry.Service.ID),
      ['web-1'],
    );
    indexes.push(indexOf(afterRegister.answer));

    const passed = watch(indexes[1]);
    await sleep(50);
    await consul.agent.check.pass({ id: 'service:web-1' });
    const afterPass = await passed;
    assert.ok(afterPass.elapsedMs < 900, `woke after ${afterPass.elapsedMs} ms`);
    const passedEntries = afterPass.answer.json as ServiceEntryJson[];
    assert.equal(
      passedEntries[0]?.Checks.find((check) => check.CheckID === 'service:web-1')?.Status,
      'passing',
    );
    indexes.push(indexOf(afterPass.answer));

    const deregistered = watch(indexes[2]);
    await sleep(50);
    await consul.agent.service.deregister('web-1');
    const afterDeregister = await deregistered;
    assert.ok(afterDeregister.elapsedMs < 900, `woke after ${afterDeregister.elapsedMs} ms`);
    assert.deepEqual(afterDeregister.answer.json, []);
    indexes.push(indexOf(afterDeregister.answer));

    for (let i = 1; i < indexes.length; i++) {
      assert.ok(indexes[i] > indexes[i - 1], `indexes must grow: ${indexes.join(', ')}`);
    }
  });

  it('times out with the same index when the watched result does not change', async (t) => {
    const { server, client } = await agentForTest(t, { timeScale: TIME_SCALE });
    const consul = client();
    await register(consul, { name: 'web', check: { ttl: '1h', status: 'passing' } });
    const before = await call(server, 'GET', '/v1/health/service/web');

    const started = Date.now();
    const held = call(
      server,
      'GET',
      `/v1/health/service/web?index=${indexOf(before)}&wait=${WAIT}`,
    );
    await sleep(50);
    // Writes elsewhere, and a new output with the same status, are no change of this result.
    await register(consul, { name: 'other', check: { ttl: '1h' } });
    await consul.kv.set('unrelated', 'x');
    await consul.agent.check.pass({ id: 'service:web', note: 'new output' });
    const after = await held;
    const elapsedMs = Date.now() - started;

    assert.equal(after.status, 200);
    assert.equal(indexOf(after), indexOf(before));
    const minimumMs = server.kind === 'fake' ? 10_000 * TIME_SCALE : 10_000;
    assert.ok(elapsedMs >= minimumMs - 20, `answered after ${elapsedMs} ms`);
  });

  it('does not wake watchers while an HTTP check keeps passing', async (t) => {
    const { server, client } = await agentForTest(t, { timeScale: TIME_SCALE });
    const target = await checkTargetForTest(t);
    await register(client(), {
      name: 'web',
      check: { http: target.url, interval: '1s' },
    });
    await waitFor('the check to pass', 5000, async () => {
      const entries = (await call(server, 'GET', '/v1/health/service/web?passing')).json;
      return asArray(entries).length === 1;
    });
    const before = await call(server, 'GET', '/v1/health/service/web');
    const seenBefore = target.seen.length;
    const after = await call(
      server,
      'GET',
      `/v1/health/service/web?index=${indexOf(before)}&wait=${WAIT}`,
    );
    assert.ok(target.seen.length > seenBefore, 'the check ran during the wait');
    assert.equal(indexOf(after), indexOf(before));
  });

  it('filters ?passing and ?tag, and wakes a ?passing watcher when an instance turns healthy', async (t) => {
    const { server, client } = await agentForTest(t, { timeScale: TIME_SCALE });
    const consul = client();
    await register(consul, {
      name: 'web',
      id: 'a',
      tags: ['leader'],
      check: { ttl: '1h' },
    });
    await register(consul, {
      name: 'web',
      id: 'b',
      tags: ['follower'],
      check: { ttl: '1h' },
    });
    assert.equal(asArray((await call(server, 'GET', '/v1/health/service/web')).json).length, 2);
    const healthy = await call(server, 'GET', '/v1/health/service/web?passing');
    assert.deepEqual(healthy.json, []);
    const tagged = (await call(server, 'GET', '/v1/health/service/web?tag=leader'))
      .json as ServiceEntryJson[];
    assert.deepEqual(
      tagged.map((entry) => entry.Service.ID),
      ['a'],
    );

    const held = call(
      server,
      'GET',
      `/v1/health/service/web?passing&index=${indexOf(healthy)}&wait=${WAIT}`,
    );
    await sleep(50);
    await consul.agent.check.pass('service:b');
    const after = await held;
    assert.deepEqual(
      (after.json as ServiceEntryJson[]).map((entry) => entry.Service.ID),
      ['b'],
    );
    assert.ok(indexOf(after) > indexOf(healthy));
    const viaClient = await consul.health.service({ service: 'web', passing: true });
    assert.equal(viaClient.length, 1);
  });

  it('wakes a KV watcher when its key changes, not when another key does', async (t) => {
    const { server, client } = await agentForTest(t, { timeScale: TIME_SCALE });
    const consul = client();
    const absent = await call(server, 'GET', '/v1/kv/cluster/leader');
    assert.equal(absent.status, 404);

    const started = Date.now();
    const held = call(server, 'GET', `/v1/kv/cluster/leader?index=${indexOf(absent)}&wait=${WAIT}`);
    await sleep(50);
    await consul.kv.set('cluster/other', 'x');
    await sleep(100);
    await consul.kv.set('cluster/leader', 'node-2');
    const after = await held;
    assert.equal(after.status, 200);
    assert.ok(Date.now() - started < 900 || server.kind !== 'fake');
    const [entry] = asArray(after.json).map(asObject);
    assert.equal(indexOf(after), entry.ModifyIndex);
    assert.equal(Buffer.from(String(entry.Value), 'base64').toString(), 'node-2');

    const timedOut = await call(
      server,
      'GET',
      `/v1/kv/cluster/leader?index=${indexOf(after)}&wait=${WAIT}`,
    );
    assert.equal(indexOf(timedOut), indexOf(after));
  });

  it('refuses a malformed index or wait', async (t) => {
    const { server } = await agentForTest(t);
    const badIndex = await call(server, 'GET', '/v1/health/service/web?index=abc');
    assert.equal(badIndex.status, 400);
    assert.match(badIndex.text, /Invalid index/);
    const badWait = await call(server, 'GET', '/v1/health/service/web?index=1&wait=forever');
    assert.equal(badWait.status, 400);
    assert.match(badWait.text, /Invalid wait time/);
  });
});
