import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeFleetCommand, FleetCommand } from '@falconmind/fleet';
import {
  createMission,
  FleetNode,
  registerUav,
} from '../../../../libs/fleet/src/testing/fleet-test-kit';
import { KnownUavs } from './known-uavs';
import { RetryingProposer } from './retrying-proposer';
import {
  gatewayOver,
  quietLogger,
  recordingLink,
  ScriptedDriver,
  scriptedRuntime,
} from './testing/uav-link-test-kit';
import { UavLinkCounters } from './uav-link-counters';
import { UplinkHandler } from './uplink-handler';

let node: FleetNode;
let driver: ScriptedDriver;
let counters: UavLinkCounters;
let handler: UplinkHandler;

before(async () => {
  node = await FleetNode.create();
  driver = new ScriptedDriver();
  driver.answer = () => Promise.resolve({ index: 1, outcome: { status: 'applied', result: {} } });
  const runtime = scriptedRuntime(driver);
  const dataSource = node.database.dataSource;
  const logger = quietLogger();
  counters = new UavLinkCounters();
  handler = new UplinkHandler(
    recordingLink([]),
    counters,
    new KnownUavs(dataSource),
    new RetryingProposer(gatewayOver(runtime, dataSource), logger),
    dataSource,
    logger,
    runtime,
  );
});

after(async () => {
  await node.drop();
});

function proposed(): FleetCommand[] {
  return driver.proposals.map((payload) => decodeFleetCommand(payload));
}

/** Waits until the handler has done something visible: proposed, or counted a bad payload or drop. */
async function handled(before: { proposals: number; bad: number; dropped: number }): Promise<void> {
  while (
    driver.proposals.length === before.proposals &&
    counters.badPayloadTotal() === before.bad &&
    Object.values(counters.dropped).reduce((sum, n) => sum + n, 0) === before.dropped
  ) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function sendAndWait(topic: string, message: object): Promise<void> {
  const before = {
    proposals: driver.proposals.length,
    bad: counters.badPayloadTotal(),
    dropped: Object.values(counters.dropped).reduce((sum, n) => sum + n, 0),
  };
  send(topic, message);
  return handled(before);
}

function send(topic: string, message: object): void {
  handler.handle(topic, Buffer.from(JSON.stringify(message)));
}

describe('UplinkHandler', () => {
  it('a UAV this node has not applied yet is judged after a read barrier, not refused', async () => {
    // The registration is committed in the cluster; this node applies it only as the barrier passes.
    driver.barrier = () => node.ok(registerUav('late-1')).then(() => undefined);
    await sendAndWait('uav/late-1/commands/ack', { command_id: '7-1', seq: 1, status: 'executed' });
    assert.deepEqual(counters.badPayloads, {});
    assert.equal(driver.barriers, 1);
    const [ack] = proposed();
    assert.equal(ack.type, 'AckUavCommand');
  });

  it('a mission this node has not applied yet is judged after a read barrier, not refused', async () => {
    driver.barrier = () =>
      node.ok(createMission('late-m', { uav_list: ['late-1'] })).then(() => undefined);
    await sendAndWait('uav/late-1/mission_status', {
      mission_id: 'late-m',
      progress: 0.5,
      state: 'RUNNING',
      report_seq: 1,
    });
    assert.deepEqual(counters.badPayloads, {});
    assert.equal(proposed()[1]?.type, 'ReportMissionProgress');
  });

  it('what is still missing after the barrier is a bad payload', async () => {
    driver.barrier = () => Promise.resolve();
    await sendAndWait('uav/ghost-1/events', { event: 'hello' });
    assert.deepEqual(counters.badPayloads, { 'events:unknown_uav': 1 });
  });

  it('without a read barrier (no leader) the message is dropped and counted, not judged', async () => {
    driver.barrier = () => Promise.reject(new Error('no leader'));
    await sendAndWait('uav/ghost-2/events', { event: 'hello' });
    assert.deepEqual(counters.dropped, { 'events:no_read_barrier': 1 });
    assert.deepEqual(counters.badPayloads, { 'events:unknown_uav': 1 }, 'not judged unknown');
  });
});
