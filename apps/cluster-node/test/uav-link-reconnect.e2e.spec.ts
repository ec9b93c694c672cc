import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { call, callRetrying, missionBody, startCluster } from '../../../test/support/cluster';
import {
  dropDatabases,
  freePortPair,
  NodeProcess,
  waitFor,
} from '../../../test/support/node-process';
import { SimulatedUav } from '../../../scripts/uav-sim/simulated-uav';

/**
 * The UAV link when its broker goes away and comes back: a Mosquitto of this test's own (on a port
 * of its own, so that the shared one is never disturbed), killed and started again under one node.
 */

/** Debian's package puts it in /usr/sbin, which is not on every user's PATH. */
const MOSQUITTO =
  process.env.TEST_MOSQUITTO_BIN ||
  (existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto');
const TOPIC_ROOT = 'uav';

type Json = Record<string, unknown>;

class Broker {
  private child: ChildProcess | undefined;

  constructor(readonly port: number) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(MOSQUITTO, ['-p', String(this.port)], { stdio: 'ignore' });
    this.child = child;
    await waitFor(`mosquitto on port ${this.port}`, 15_000, async () => {
      if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}`);
      return canConnect(this.port);
    });
  }

  kill(): void {
    if (this.child?.pid !== undefined && this.child.exitCode === null) this.child.kill('SIGKILL');
    this.child = undefined;
  }
}

async function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function linkState(node: NodeProcess): Promise<string | undefined> {
  const { body } = await call<{ details?: { uav_link?: Json } }>(node, 'GET', '/health');
  return body.details?.uav_link?.state as string | undefined;
}

describe('the UAV link across a broker restart', { timeout: 240_000 }, () => {
  let broker: Broker;
  let node: NodeProcess;
  let uav: SimulatedUav | undefined;

  before(async () => {
    broker = new Broker(await freePortPair());
    await broker.start();
    [node] = await startCluster(['mqtt-lone'], {
      MQTT_URL: broker.url,
      MQTT_TOPIC_ROOT: TOPIC_ROOT,
    });
  });

  after(async () => {
    await uav?.stop();
    broker.kill();
    await node?.kill();
    await dropDatabases();
  });

  it('degrades without the broker (the node stays ready), reconnects, and sends what waited', async () => {
    await waitFor('the link to come up', 30_000, async () => (await linkState(node)) === 'up');
    uav = new SimulatedUav({
      uavId: 'rc-1',
      nodeUrl: node.url,
      mqttUrl: broker.url,
      topicRoot: TOPIC_ROOT,
      telemetryHz: 0,
      flightStepMs: 200,
      progressStep: 0.5,
    });
    await uav.start();

    broker.kill();
    await waitFor(
      'the link to degrade',
      30_000,
      async () => (await linkState(node)) === 'degraded',
    );
    const ready = await call(node, 'GET', '/health/ready');
    assert.equal(ready.status, 200, 'losing the broker never makes the node unready');
    const health = await call<Json>(node, 'GET', '/health');
    assert.equal(health.status, 200);
    assert.equal(health.body.status, 'ok');

    // Dispatched while no UAV can hear it: the command waits in the outbox.
    const created = await callRetrying(node, 'POST', '/missions', missionBody('rc-m', 'rc-1'));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const dispatched = await callRetrying(node, 'POST', '/missions/rc-m/dispatch');
    assert.equal(dispatched.status, 200, JSON.stringify(dispatched.body));
    assert.equal(uav.stats().executed.length, 0);

    await broker.start();
    await waitFor('the link to come back', 60_000, async () => (await linkState(node)) === 'up');
    await waitFor('the mission to succeed after the outage', 60_000, async () => {
      const { body } = await call<Json>(node, 'GET', '/missions/rc-m');
      return body.state === 'SUCCEEDED';
    });
    assert.deepEqual(
      uav.stats().executed.map((c) => [c.action, c.mission_id]),
      [['dispatch', 'rc-m']],
    );
  });
});
