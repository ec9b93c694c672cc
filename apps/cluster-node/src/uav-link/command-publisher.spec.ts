import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  action,
  createMission,
  FleetNode,
  registerUav,
} from '../../../../libs/fleet/src/testing/fleet-test-kit';
import { CommandFlagger } from './command-flagger';
import { CommandPublisher } from './command-publisher';
import {
  gatewayOver,
  quietLogger,
  RecordedPublish,
  recordingLink,
  ScriptedDriver,
  scriptedRuntime,
} from './testing/uav-link-test-kit';
import { UavLinkCounters } from './uav-link-counters';

let node: FleetNode;
let driver: ScriptedDriver;
let publisher: CommandPublisher;
const published: RecordedPublish[] = [];

async function dispatchTo(uavId: string): Promise<void> {
  await node.ok(registerUav(uavId));
  await node.ok(createMission(`m-${uavId}`, { uav_list: [uavId] }));
  await node.ok(action('DispatchMission', `m-${uavId}`));
}

function sentTo(uavId: string): RecordedPublish[] {
  return published.filter((p) => p.topic.startsWith(`uav/${uavId}/`));
}

/** Polls (as the interval does) until `done`, at most `rounds` times. */
async function pollUntil(done: () => boolean, rounds = 50): Promise<void> {
  for (let i = 0; i < rounds && !done(); i++) {
    await publisher.poll();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

before(async () => {
  node = await FleetNode.create();
  driver = new ScriptedDriver();
  const runtime = scriptedRuntime(driver);
  const dataSource = node.database.dataSource;
  const logger = quietLogger();
  publisher = new CommandPublisher(
    runtime,
    dataSource,
    logger,
    recordingLink(published),
    new UavLinkCounters(),
    new CommandFlagger(runtime, gatewayOver(runtime, dataSource), logger),
  );
  publisher.start();
});

after(async () => {
  publisher.onApplicationShutdown();
  await node.drop();
});

describe('CommandPublisher', () => {
  it('a leader publishes each UAV head stamped with its term', async () => {
    await dispatchTo('pub-1');
    await pollUntil(() => sentTo('pub-1').length > 0);
    const [sent] = sentTo('pub-1');
    assert.equal(sent.topic, 'uav/pub-1/missions');
    const command = JSON.parse(sent.payload) as { term: number; mission?: { name: string } };
    assert.equal(command.term, 3);
    assert.equal(command.mission?.name, 'Mission m-pub-1', 'a dispatch carries its mission');
  });

  it('publishes nothing once the driver is stopping, though the core still says leader', async () => {
    driver.running = false;
    await dispatchTo('pub-2');
    await pollUntil(() => !publisher.publishing);
    assert.equal(driver.status().role, 'leader');
    assert.equal(publisher.publishing, false, 'the publisher stepped down');
    assert.deepEqual(sentTo('pub-2'), []);
  });
});
