import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FleetCommand } from '../commands';
import { applyFleetCommand } from '../fleet-applier';
import { uavCommandsOf } from '../outbox';
import {
  action,
  at,
  createMission,
  FleetNode,
  progress,
  registerUav,
} from '../testing/fleet-test-kit';
import type { UavEventData } from './fleet-event';
import {
  FLEET_EVENT_PRUNE_INTERVAL,
  FLEET_EVENT_RETENTION_ENTRIES,
  readFleetEvents,
} from './fleet-event-log';

/** Events recorded by the real apply path on PostgreSQL, read back for replay, and pruned. */

let node: FleetNode;

before(async () => {
  node = await FleetNode.create();
});

after(async () => {
  await node.drop();
});

const START = { index: 0, position: -1 };

describe('fleet_events', () => {
  it('records the events of each applied entry with its log index; refused entries add none', async () => {
    const first = node.appliedIndex + 1;
    await node.applyAll([
      registerUav('ev-uav'),
      createMission('ev-1', { uav_list: ['ev-uav'] }),
      action('DispatchMission', 'ev-1'),
      action('DispatchMission', 'ev-1'), // refused: already RUNNING
      progress('ev-1', 0.5),
      { type: 'MarkUavsOffline', at: at(100), uav_ids: ['ev-uav'] },
      {
        type: 'SyncUavStates',
        at: at(101),
        reports: [{ uav_id: 'ev-uav', heartbeat_at: at(101) }],
      },
      progress('ev-1', 1, 'SUCCEEDED'),
      createMission('ev-1', { uav_list: ['ev-uav'] }), // the same create again: nothing new
    ]);
    const events = await readFleetEvents(node.database.dataSource, START, 100);
    assert.deepEqual(
      events.map((e) => [e.id, e.type]),
      [
        [`${first}-0`, 'uav_registered'],
        [`${first + 1}-0`, 'mission_created'],
        [`${first + 2}-0`, 'mission_dispatched'],
        [`${first + 4}-0`, 'mission_progress'],
        [`${first + 5}-0`, 'uav_offline'],
        [`${first + 6}-0`, 'uav_online'],
        [`${first + 7}-0`, 'mission_succeeded'],
      ],
    );
    assert.deepEqual(events[4].data, {
      uav_id: 'ev-uav',
      status: 'OFFLINE',
      previous_status: 'BUSY',
      current_mission_id: 'ev-1',
      last_heartbeat: at(0),
      version: 3,
      updated_at: at(100),
    });
    assert.deepEqual(
      [(events[5].data as UavEventData).status, (events[5].data as UavEventData).previous_status],
      ['ONLINE', 'OFFLINE'],
    );
  });

  it('gives several events of one entry in order, each with its position', async () => {
    await node.ok(registerUav('pos-a'));
    await node.ok(registerUav('pos-b'));
    const index = node.appliedIndex + 1;
    await node.ok({ type: 'MarkUavsOffline', at: at(200), uav_ids: ['pos-b', 'pos-a'] });
    const events = await readFleetEvents(
      node.database.dataSource,
      { index: index - 1, position: 0 },
      10,
    );
    assert.deepEqual(
      events.map((e) => [e.id, e.type, (e.data as { uav_id: string }).uav_id]),
      [
        [`${index}-0`, 'uav_offline', 'pos-a'],
        [`${index}-1`, 'uav_offline', 'pos-b'],
      ],
    );
  });

  it('reads strictly after an event id, a page at a time, never past an index', async () => {
    const all = await readFleetEvents(node.database.dataSource, START, 1000);
    assert.ok(all.length >= 9);
    const pages = [];
    let after = START;
    for (;;) {
      const page = await readFleetEvents(node.database.dataSource, after, 2);
      if (page.length === 0) break;
      pages.push(...page);
      after = page[page.length - 1];
    }
    assert.deepEqual(pages, all);
    const middle = all[3];
    const rest = await readFleetEvents(node.database.dataSource, middle, 1000);
    assert.deepEqual(rest, all.slice(4));
    const bounded = await readFleetEvents(node.database.dataSource, START, 1000, middle.index);
    assert.deepEqual(
      bounded,
      all.filter((e) => e.index <= middle.index),
    );
    const afterWholeIndex = await readFleetEvents(
      node.database.dataSource,
      { index: all[0].index, position: Number.MAX_SAFE_INTEGER },
      1000,
    );
    assert.deepEqual(afterWholeIndex, all.slice(1));
  });

  it('a UAV command given up on gives uav_command_flagged once; flagging it again gives none', async () => {
    await node.ok(registerUav('flag-uav'));
    await node.ok(createMission('flag-m', { uav_list: ['flag-uav'] }));
    await node.ok(action('DispatchMission', 'flag-m'));
    const [command] = await uavCommandsOf(node.database.dataSource, 'flag-uav');
    const flag: FleetCommand = {
      type: 'FlagUavCommand',
      command_id: command.command_id,
      uav_id: 'flag-uav',
      tries: 7,
      at: at(300),
    };
    const index = node.appliedIndex + 1;
    await node.ok(flag);
    await node.ok({ ...flag, at: at(301) });
    const events = await readFleetEvents(
      node.database.dataSource,
      { index: index - 1, position: Number.MAX_SAFE_INTEGER },
      10,
    );
    assert.deepEqual(
      events.map((e) => [e.id, e.type]),
      [[`${index}-0`, 'uav_command_flagged']],
    );
    assert.deepEqual(events[0].data, {
      uav_id: 'flag-uav',
      command_id: command.command_id,
      seq: command.seq,
      action: 'dispatch',
      mission_id: 'flag-m',
      issued_at: command.issued_at,
      flagged_at: at(300),
      tries: 7,
    });
  });

  it('prunes events older than the retention window, by log index, every prune interval', async () => {
    const db = node.database.dataSource;
    const R = FLEET_EVENT_RETENTION_ENTRIES;
    const I = FLEET_EVENT_PRUNE_INTERVAL;
    const apply = (uavId: string, index: number) =>
      db.transaction((manager) => applyFleetCommand(manager, registerUav(uavId), index));
    const indexes = async () => (await readFleetEvents(db, START, 1000)).map((e) => e.index);
    const before = await indexes();
    const last = before[before.length - 1];
    // The first multiple of the interval at which everything so far is out of the window.
    const a = Math.ceil((last + R) / I) * I;

    await apply('far-1', a - 1); // not a pruning index: nothing goes
    assert.deepEqual(await indexes(), [...before, a - 1]);
    await apply('far-2', a); // prunes up to a - R >= last
    assert.deepEqual(await indexes(), [a - 1, a]);

    await apply('far-3', a + 1);
    await apply('far-4', a + R); // prunes up to a: a + 1 stays
    assert.deepEqual(await indexes(), [a + 1, a + R]);
  });
});
