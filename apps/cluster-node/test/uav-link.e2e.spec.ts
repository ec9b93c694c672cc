import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connect, MqttClient } from 'mqtt';
import {
  awaitAgreement,
  call,
  callRetrying,
  clusterInfo,
  leaderOf,
  missionBody,
  queryNode,
  startCluster,
  tail,
} from '../../../test/support/cluster';
import { dropDatabases, NodeProcess, waitFor } from '../../../test/support/node-process';
import { SimulatedUav } from '../../../scripts/uav-sim/simulated-uav';

/**
 * The UAV link end to end (docs/uav-link.md): three real nodes, the real Mosquitto on 127.0.0.1, and
 * simulated UAVs that register, stream telemetry, execute commands through the fence and report
 * progress. Topics live under a root of this run's own, so other runs on the broker are not heard.
 */

const MQTT_URL = process.env.TEST_MQTT_URL || 'mqtt://127.0.0.1:1883';
const TOPIC_ROOT = `e2e-${process.pid}-${randomBytes(3).toString('hex')}/uav`;

type Json = Record<string, unknown>;

interface OutboxRow {
  command_id: string;
  seq: number;
  action: string;
  state: string;
}

/** The node's outbox for one UAV, in seq order. */
function outboxOf(node: NodeProcess, uavId: string): Promise<OutboxRow[]> {
  return queryNode<OutboxRow>(
    node,
    'SELECT command_id, seq, action, state FROM uav_commands WHERE uav_id = $1 ORDER BY seq',
    [uavId],
  );
}

/** `details.uav_link` of the node's /health. */
async function linkHealth(node: NodeProcess): Promise<Json> {
  const { body } = await call<{ details: { uav_link: Json } }>(node, 'GET', '/health');
  return body.details.uav_link;
}

/** A counter of the UAV link summed over the nodes: `bad_payloads`' `channel:reason`, say. */
async function summed(nodes: readonly NodeProcess[], group: string, key: string): Promise<number> {
  const views = await Promise.all(nodes.map(linkHealth));
  return views.reduce(
    (sum, view) => sum + Number((view[group] as Json | undefined)?.[key] ?? 0),
    0,
  );
}

async function createAndDispatch(
  node: NodeProcess,
  missionId: string,
  uavId: string,
): Promise<void> {
  const created = await callRetrying(node, 'POST', '/missions', missionBody(missionId, uavId));
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await act(node, missionId, 'dispatch');
}

/** A mission action, retried safely with an idempotency key while the cluster elects a leader. */
async function act(node: NodeProcess, missionId: string, action: string): Promise<void> {
  const answer = await callRetrying(node, 'POST', `/missions/${missionId}/${action}`, undefined, {
    'idempotency-key': `${missionId}-${action}`,
  });
  assert.equal(answer.status, 200, `${action}: ${answer.status} ${JSON.stringify(answer.body)}`);
}

describe('the UAV link with a real broker and three nodes', { timeout: 300_000 }, () => {
  let nodes: NodeProcess[] = [];
  let survivors: NodeProcess[] = [];
  const uavs: SimulatedUav[] = [];
  let probe: MqttClient;

  function simulated(
    uavId: string,
    node: NodeProcess,
    extra: Partial<SimulatedUav['options']> = {},
  ) {
    const uav = new SimulatedUav({
      uavId,
      nodeUrl: node.url,
      mqttUrl: MQTT_URL,
      topicRoot: TOPIC_ROOT,
      telemetryHz: 10,
      flightStepMs: 300,
      progressStep: 0.25,
      ...extra,
    });
    uavs.push(uav);
    return uav;
  }

  before(async () => {
    nodes = await startCluster(['link1', 'link2', 'link3'], {
      MQTT_URL,
      MQTT_TOPIC_ROOT: TOPIC_ROOT,
    });
    survivors = nodes;
    await awaitAgreement(nodes);
    probe = connect(MQTT_URL, { protocolVersion: 5, clientId: `e2e-probe-${process.pid}` });
    await new Promise<void>((resolve, reject) => {
      probe.once('connect', () => resolve());
      probe.once('error', reject);
    });
    // Every node is connected to the broker before a UAV says anything.
    await waitFor('every node to connect to the broker', 30_000, async () => {
      const views = await Promise.all(nodes.map(linkHealth));
      return views.every((view) => view.state === 'up');
    });
  });

  after(async () => {
    await Promise.all(uavs.map((uav) => uav.stop()));
    await probe?.endAsync();
    await Promise.all(nodes.map((n) => n.kill()));
    await dropDatabases();
  });

  it('a UAV registers, streams telemetry, gets its mission, acknowledges and reports it to SUCCEEDED', async () => {
    const uav = simulated('e2e-a', nodes[1]);
    await uav.start();
    await createAndDispatch(nodes[2], 'm-a', 'e2e-a');

    await waitFor('mission m-a to succeed', 60_000, async () => {
      const { body } = await call<Json>(nodes[0], 'GET', '/missions/m-a');
      return body.state === 'SUCCEEDED';
    }).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${nodes.map((n) => tail(n)).join('\n')}`);
    });
    const { body: mission } = await call<Json>(nodes[0], 'GET', '/missions/m-a');
    assert.equal(mission.progress, 1);

    const stats = uav.stats();
    assert.deepEqual(
      stats.executed.map((c) => [c.action, c.mission_id, c.seq]),
      [['dispatch', 'm-a', 1]],
    );
    assert.deepEqual(stats.executed[0].mission?.uav_list, ['e2e-a']);
    assert.equal(stats.missionsSucceeded, 1);

    await waitFor('the dispatch to be acknowledged on every node', 30_000, async () => {
      const outboxes = await Promise.all(nodes.map((n) => outboxOf(n, 'e2e-a')));
      return outboxes.every((rows) => rows.length === 1 && rows[0].state === 'ACKED');
    });
    assert.equal(stats.executed[0].command_id, (await outboxOf(nodes[0], 'e2e-a'))[0].command_id);

    await waitFor('telemetry to reach the nodes over MQTT', 30_000, async () => {
      const telemetry = await summed(nodes, 'messages', 'telemetry');
      return telemetry > 0;
    });
  });

  it('a leader killed with a command unacknowledged: the new leader sends it again, the UAV executes it once', async () => {
    // A mission long enough to still be running through the whole test.
    const uav = simulated('e2e-b', nodes[0], { flightStepMs: 1000, progressStep: 0.001 });
    await uav.start();
    uav.holdAcks();
    await createAndDispatch(nodes[0], 'm-b', 'e2e-b');
    await waitFor(
      'the UAV to execute the dispatch',
      30_000,
      () => uav.stats().executed.length === 1,
    );
    const firstTerm = uav.stats().executed[0].term;

    const leader = await leaderOf(nodes);
    assert.equal((await outboxOf(leader, 'e2e-b'))[0].state, 'PENDING');
    await leader.kill();
    survivors = nodes.filter((n) => n !== leader);

    // The new leader sends the unacknowledged dispatch again, with its own, higher term.
    await waitFor(
      'the new leader to resend the dispatch',
      60_000,
      () => uav.stats().duplicatesDropped >= 1,
    );
    assert.ok(uav.fence.state().highestTerm > firstTerm, 'the resend carries the new term');
    uav.releaseAcks();

    const newLeader = survivors[0];
    await act(newLeader, 'm-b', 'pause');
    await act(survivors[1], 'm-b', 'resume');
    await act(newLeader, 'm-b', 'cancel');

    await waitFor('every command to be acknowledged on the survivors', 60_000, async () => {
      const outboxes = await Promise.all(survivors.map((n) => outboxOf(n, 'e2e-b')));
      return outboxes.every((rows) => rows.length === 4 && rows.every((r) => r.state === 'ACKED'));
    });
    const outbox = await outboxOf(survivors[0], 'e2e-b');
    assert.deepEqual(await outboxOf(survivors[1], 'e2e-b'), outbox);
    assert.deepEqual(
      outbox.map((r) => [r.seq, r.action]),
      [
        [1, 'dispatch'],
        [2, 'pause'],
        [3, 'resume'],
        [4, 'cancel'],
      ],
    );
    const executed = uav.stats().executed;
    assert.deepEqual(
      executed.map((c) => c.command_id),
      outbox.map((r) => r.command_id),
      'every command executed exactly once, in order: none lost, none twice',
    );
    assert.ok(executed.slice(1).every((c) => c.term > firstTerm));
  });

  it("a deposed leader's command is ignored by the UAV", async () => {
    const uav = uavs.find((u) => u.uavId === 'e2e-b');
    assert.ok(uav);
    const before = uav.stats();
    const deposedTerm = before.executed[0].term;
    const { highestTerm, lastExecutedSeq } = uav.fence.state();
    assert.ok(deposedTerm < highestTerm);
    // What the killed leader would send had it not noticed: a new seq, but its old term.
    const stale = {
      command_id: 'stale-1',
      uav_id: 'e2e-b',
      seq: lastExecutedSeq + 1,
      term: deposedTerm,
      kind: 'command',
      action: 'cancel',
      mission_id: 'm-b',
      issued_at: new Date().toISOString(),
    };
    await probe.publishAsync(`${TOPIC_ROOT}/e2e-b/commands`, JSON.stringify(stale), { qos: 1 });
    await waitFor('the UAV to ignore the stale command', 30_000, () => {
      return uav.stats().staleTermIgnored === before.staleTermIgnored + 1;
    });
    assert.equal(uav.stats().executed.length, before.executed.length);
    assert.deepEqual(uav.fence.state(), { highestTerm, lastExecutedSeq });
  });

  it('bad payloads are counted, and every node stays up', async () => {
    const count = (key: string) => summed(survivors, 'bad_payloads', key);
    const before = {
      notJson: await count('mission_status:not_json'),
      wrongShape: await count('mission_status:wrong_shape'),
      unknownUav: await count('events:unknown_uav'),
      telemetry: await count('telemetry:not_json'),
      notItsMission: await count('mission_status:unknown_mission'),
      unknownCommand: await count('commands/ack:unknown_command'),
    };
    const send = (topic: string, payload: string) =>
      probe.publishAsync(`${TOPIC_ROOT}/${topic}`, payload, { qos: 1 });
    await send('e2e-a/mission_status', 'this is not JSON');
    await send('e2e-a/mission_status', JSON.stringify({ mission_id: 5, progress: 'half' }));
    await send('ghost-uav/events', JSON.stringify({ event: 'hello' }));
    await send('e2e-a/telemetry', '{{');
    // Well-formed, but about a mission of another UAV, and a command no one sent.
    await send(
      'e2e-a/mission_status',
      JSON.stringify({ mission_id: 'm-b', progress: 0.5, state: 'RUNNING', report_seq: 1 }),
    );
    await send(
      'e2e-a/commands/ack',
      JSON.stringify({ command_id: '999999-1', seq: 9, status: 'executed' }),
    );

    await waitFor('the bad payloads to be counted', 30_000, async () => {
      return (
        (await count('mission_status:not_json')) >= before.notJson + 1 &&
        (await count('mission_status:wrong_shape')) >= before.wrongShape + 1 &&
        (await count('events:unknown_uav')) >= before.unknownUav + 1 &&
        (await count('telemetry:not_json')) >= before.telemetry + 1 &&
        (await count('mission_status:unknown_mission')) >= before.notItsMission + 1 &&
        (await count('commands/ack:unknown_command')) >= before.unknownCommand + 1
      );
    });
    for (const node of survivors) {
      const live = await call(node, 'GET', '/health/live');
      assert.equal(live.status, 200);
      const info = await clusterInfo(node);
      assert.ok(info?.leader, `${node.nodeId} still knows a leader`);
      const link = await linkHealth(node);
      assert.equal(link.state, 'up');
    }
    const metrics = await fetch(`${survivors[0].url}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /falconmind_uav_link_bad_payloads_total\{/);
  });
});
