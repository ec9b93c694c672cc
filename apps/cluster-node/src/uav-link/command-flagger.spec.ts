import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { decodeFleetCommand } from '@falconmind/fleet';
import { FleetNode } from '../../../../libs/fleet/src/testing/fleet-test-kit';
import { CommandFlagger } from './command-flagger';
import {
  gatewayOver,
  quietLogger,
  ScriptedDriver,
  scriptedRuntime,
} from './testing/uav-link-test-kit';

const COMMAND = { command_id: '42-1', uav_id: 'flag-1' };

let node: FleetNode;
let driver: ScriptedDriver;
let flagger: CommandFlagger;

before(async () => {
  node = await FleetNode.create();
});

after(async () => {
  await node.drop();
});

beforeEach(() => {
  driver = new ScriptedDriver();
  const runtime = scriptedRuntime(driver);
  flagger = new CommandFlagger(
    runtime,
    gatewayOver(runtime, node.database.dataSource),
    quietLogger(),
  );
});

describe('CommandFlagger', () => {
  it('a leader in the term of the decision proposes FlagUavCommand once', async () => {
    driver.answer = () => Promise.resolve({ index: 7, outcome: { status: 'applied', result: {} } });
    assert.equal(await flagger.flag(COMMAND, 10, 3), true);
    assert.equal(driver.proposals.length, 1);
    const proposed = decodeFleetCommand(driver.proposals[0]);
    assert.deepEqual(
      { ...proposed, at: undefined },
      { type: 'FlagUavCommand', command_id: '42-1', uav_id: 'flag-1', tries: 10, at: undefined },
    );
  });

  it('a proposal that fails is not retried (nor forwarded to a later leader)', async () => {
    assert.equal(await flagger.flag(COMMAND, 10, 3), false);
    assert.equal(driver.proposals.length, 1);
  });

  it('proposes nothing once the node is a follower, leads in another term, or is stopping', async () => {
    driver.become('follower', 4);
    assert.equal(await flagger.flag(COMMAND, 10, 3), false);
    driver.become('leader', 5);
    assert.equal(await flagger.flag(COMMAND, 10, 3), false, 'decided in term 3, leading in 5');
    driver.become('leader', 3);
    driver.running = false;
    assert.equal(await flagger.flag(COMMAND, 10, 3), false);
    assert.equal(driver.proposals.length, 0);
  });
});
