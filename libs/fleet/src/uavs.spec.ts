import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MarkUavsOfflineResult, SyncUavStatesResult } from './fleet-applier';
import { Mission, Uav } from './model';
import { getUav } from './queries';
import { parseFleetRejection } from './rejection';
import {
  action,
  at,
  createMission,
  FleetNode,
  progress,
  registerUav,
} from './testing/fleet-test-kit';

let node: FleetNode;

before(async () => {
  node = await FleetNode.create();
});

after(async () => {
  await node.drop();
});

async function uav(id: string): Promise<Uav> {
  const found = await getUav(node.database.dataSource, id);
  assert.ok(found, `UAV ${id} exists`);
  return found;
}

async function assertRefused(
  command: Parameters<FleetNode['apply']>[0],
  code: string,
  message: RegExp,
): Promise<void> {
  const before = await node.dump();
  const rejection = parseFleetRejection(await node.apply(command));
  assert.equal(rejection?.code, code);
  assert.match(rejection.message, message);
  assert.deepEqual(await node.dump(), before, 'a refused command changes nothing');
}

describe('RegisterUav', () => {
  it('registers a UAV ONLINE at version 1, heard from at the command time', async () => {
    const registered = await node.ok<Uav>(
      registerUav('reg-1', { position: { lat: 47, lon: 8, alt: 400 }, battery: 88.5 }),
    );
    assert.deepEqual(registered, {
      uav_id: 'reg-1',
      status: 'ONLINE',
      last_heartbeat: at(0),
      current_mission_id: null,
      capabilities: { max_altitude: 500, max_speed: 20 },
      metadata: { model: 'FM-4' },
      position: { lat: 47, lon: 8, alt: 400 },
      battery: 88.5,
      version: 1,
      created_at: at(0),
      updated_at: at(0),
    });
  });

  it('updates a registered UAV: given fields replace, absent ones stay, version + 1', async () => {
    await node.ok(registerUav('reg-2', { battery: 50 }));
    const updated = await node.ok<Uav>({
      type: 'RegisterUav',
      uav_id: 'reg-2',
      metadata: { model: 'FM-5' },
      status: 'IDLE',
      at: at(10),
    });
    assert.equal(updated.status, 'IDLE');
    assert.deepEqual(updated.metadata, { model: 'FM-5' });
    assert.deepEqual(updated.capabilities, { max_altitude: 500, max_speed: 20 });
    assert.equal(updated.battery, 50);
    assert.equal(updated.version, 2);
    assert.equal(updated.last_heartbeat, at(10));
    assert.equal(updated.created_at, at(0));
    assert.equal(updated.updated_at, at(10));
  });

  it('checks expected_version, and refuses it for an unregistered UAV', async () => {
    await node.ok(registerUav('reg-3'));
    await assertRefused(
      registerUav('reg-3', { expected_version: 5 }),
      'version_mismatch',
      /UAV reg-3 is at version 1, not the expected 5/,
    );
    await assertRefused(
      registerUav('reg-ghost', { expected_version: 1 }),
      'not_found',
      /UAV reg-ghost is not registered/,
    );
  });

  it('keeps a UAV that flies a mission BUSY when it registers again, unless it reports ERROR', async () => {
    await node.ok(registerUav('reg-4'));
    await node.ok(createMission('reg-m4', { uav_list: ['reg-4'] }));
    await node.ok(action('DispatchMission', 'reg-m4'));
    const again = await node.ok<Uav>(registerUav('reg-4', { status: 'IDLE', at: at(5) }));
    assert.equal(again.status, 'BUSY');
    assert.equal(again.current_mission_id, 'reg-m4');
    const broken = await node.ok<Uav>(registerUav('reg-4', { status: 'ERROR', at: at(6) }));
    assert.equal(broken.status, 'ERROR');
    assert.equal(broken.current_mission_id, 'reg-m4');
  });
});

describe('dispatch and the UAVs', () => {
  it('marks every UAV of the mission BUSY with the mission', async () => {
    await node.ok(registerUav('d-1'));
    await node.ok(registerUav('d-2', { status: 'IDLE' }));
    await node.ok(createMission('d-m1', { mission_type: 'MULTI_UAV', uav_list: ['d-1', 'd-2'] }));
    const mission = await node.ok<Mission>(action('DispatchMission', 'd-m1', { at: at(7) }));
    assert.equal(mission.state, 'RUNNING');
    for (const id of ['d-1', 'd-2']) {
      const row = await uav(id);
      assert.equal(row.status, 'BUSY');
      assert.equal(row.current_mission_id, 'd-m1');
      assert.equal(row.version, 2);
      assert.equal(row.updated_at, at(7));
    }
  });

  for (const [name, end] of [
    ['success', progress('f-m', 1, 'SUCCEEDED')],
    ['failure', progress('f-m', 0.2, 'FAILED')],
    ['cancellation', action('CancelMission', 'f-m')],
  ] as const) {
    it(`frees the UAVs on ${name}: IDLE, no mission`, async () => {
      const suffix = name.slice(0, 4);
      const id = `f-m-${suffix}`;
      await node.ok(registerUav(`f-${suffix}`));
      await node.ok(createMission(id, { uav_list: [`f-${suffix}`] }));
      await node.ok(action('DispatchMission', id));
      await node.ok({ ...end, mission_id: id });
      const row = await uav(`f-${suffix}`);
      assert.equal(row.status, 'IDLE');
      assert.equal(row.current_mission_id, null);
      assert.equal(row.version, 3);
    });
  }

  it('lets a paused mission keep its UAVs, and a freed UAV fly the next mission', async () => {
    await node.ok(registerUav('n-1'));
    await node.ok(createMission('n-m1', { uav_list: ['n-1'] }));
    await node.ok(createMission('n-m2', { uav_list: ['n-1'] }));
    await node.ok(action('DispatchMission', 'n-m1'));
    await node.ok(action('PauseMission', 'n-m1'));
    assert.equal((await uav('n-1')).status, 'BUSY');
    await assertRefused(
      action('DispatchMission', 'n-m2'),
      'conflict',
      /mission n-m2 cannot be dispatched: UAV n-1 is busy with mission n-m1/,
    );
    await node.ok(action('CancelMission', 'n-m1'));
    await node.ok(action('DispatchMission', 'n-m2'));
    assert.equal((await uav('n-1')).current_mission_id, 'n-m2');
  });

  it('refuses a mission with an unregistered, OFFLINE or ERROR UAV, naming each', async () => {
    await node.ok(registerUav('r-ok'));
    await node.ok(registerUav('r-err', { status: 'ERROR' }));
    await node.ok(registerUav('r-off'));
    await node.ok({ type: 'MarkUavsOffline', uav_ids: ['r-off'], at: at(100) });
    await node.ok(
      createMission('r-m', {
        mission_type: 'CLUSTER',
        uav_list: ['r-ok', 'r-err', 'r-off', 'r-none'],
      }),
    );
    await assertRefused(
      action('DispatchMission', 'r-m'),
      'conflict',
      /^mission r-m cannot be dispatched: UAV r-err is ERROR; UAV r-off is OFFLINE; UAV r-none is not registered\.$/,
    );
    assert.equal((await uav('r-ok')).status, 'ONLINE');
  });
});

describe('SyncUavStates', () => {
  it('applies each report, skips unknown UAVs and reports older than the stored heartbeat', async () => {
    await node.ok(registerUav('s-1', { at: at(0), battery: 90 }));
    await node.ok(registerUav('s-2', { at: at(20) }));
    const result = await node.ok<SyncUavStatesResult>({
      type: 'SyncUavStates',
      at: at(31),
      reports: [
        {
          uav_id: 's-1',
          battery: 70,
          position: { lat: 47.5, lon: 8.5, alt: 200 },
          heartbeat_at: at(30),
        },
        { uav_id: 's-unknown', status: 'ONLINE', heartbeat_at: at(30) },
        { uav_id: 's-2', status: 'ERROR', heartbeat_at: at(10) },
      ],
    });
    assert.deepEqual(result.skipped, ['s-2', 's-unknown']);
    assert.deepEqual(
      result.updated.map((u) => u.uav_id),
      ['s-1'],
    );
    assert.deepEqual(result.updated[0], await uav('s-1'));
    const s1 = await uav('s-1');
    assert.equal(s1.battery, 70);
    assert.deepEqual(s1.position, { lat: 47.5, lon: 8.5, alt: 200 });
    assert.equal(s1.status, 'ONLINE');
    assert.equal(s1.last_heartbeat, at(30));
    assert.equal(s1.updated_at, at(31));
    assert.equal(s1.version, 2);
    const s2 = await uav('s-2');
    assert.equal(s2.status, 'ONLINE');
    assert.equal(s2.version, 1);
  });

  it('takes the newest of several reports for one UAV, with one version step', async () => {
    await node.ok(registerUav('s-3'));
    await node.ok({
      type: 'SyncUavStates',
      at: at(50),
      reports: [
        { uav_id: 's-3', battery: 60, heartbeat_at: at(40) },
        { uav_id: 's-3', battery: 55, status: 'IDLE', heartbeat_at: at(45) },
        { uav_id: 's-3', battery: 99, heartbeat_at: at(41) },
      ],
    });
    const s3 = await uav('s-3');
    assert.equal(s3.battery, 55);
    assert.equal(s3.status, 'IDLE');
    assert.equal(s3.last_heartbeat, at(45));
    assert.equal(s3.version, 2);
  });

  it('brings an OFFLINE UAV back ONLINE on its next heartbeat, and records what the UAV reports', async () => {
    await node.ok(registerUav('s-4'));
    await node.ok({ type: 'MarkUavsOffline', uav_ids: ['s-4'], at: at(100) });
    await node.ok({
      type: 'SyncUavStates',
      at: at(120),
      reports: [{ uav_id: 's-4', heartbeat_at: at(119), current_mission_id: 'elsewhere' }],
    });
    const s4 = await uav('s-4');
    assert.equal(s4.status, 'ONLINE');
    assert.equal(s4.current_mission_id, 'elsewhere');
  });

  it('is applied (skipping everything) when it knows none of the UAVs', async () => {
    const before = await node.dump();
    const result = await node.ok<SyncUavStatesResult>({
      type: 'SyncUavStates',
      at: at(1),
      reports: [{ uav_id: 'nobody', heartbeat_at: at(1) }],
    });
    assert.deepEqual(result, { updated: [], skipped: ['nobody'] });
    assert.deepEqual(await node.dump(), before);
  });
});

describe('MarkUavsOffline', () => {
  it('marks the listed UAVs OFFLINE, keeping their mission, and skips unknown and offline ones', async () => {
    await node.ok(registerUav('o-1'));
    await node.ok(registerUav('o-2'));
    await node.ok(createMission('o-m', { uav_list: ['o-2'] }));
    await node.ok(action('DispatchMission', 'o-m'));
    const result = await node.ok<MarkUavsOfflineResult>({
      type: 'MarkUavsOffline',
      uav_ids: ['o-2', 'o-1', 'o-ghost', 'o-1'],
      at: at(200),
    });
    assert.deepEqual(
      result.offline.map((u) => [u.uav_id, u.status, u.current_mission_id, u.updated_at]),
      [
        ['o-1', 'OFFLINE', null, at(200)],
        ['o-2', 'OFFLINE', 'o-m', at(200)],
      ],
    );
    assert.deepEqual(result.skipped, ['o-ghost']);
    const again = await node.ok<MarkUavsOfflineResult>({
      type: 'MarkUavsOffline',
      uav_ids: ['o-1'],
      at: at(300),
    });
    assert.deepEqual(again, { offline: [], skipped: ['o-1'] });
    assert.equal((await uav('o-1')).version, 2);
  });

  it('leaves alone a UAV heard from at or after the cut-off the leader decided with', async () => {
    await node.ok(registerUav('c-1', { at: at(0) }));
    await node.ok(registerUav('c-2', { at: at(0) }));
    await node.ok({
      type: 'SyncUavStates',
      at: at(70),
      reports: [{ uav_id: 'c-2', heartbeat_at: at(70) }],
    });
    const result = await node.ok<MarkUavsOfflineResult>({
      type: 'MarkUavsOffline',
      uav_ids: ['c-1', 'c-2'],
      stale_before: at(70),
      at: at(130),
    });
    assert.deepEqual(
      result.offline.map((u) => u.uav_id),
      ['c-1'],
    );
    assert.deepEqual(result.skipped, ['c-2']);
    assert.equal((await uav('c-2')).status, 'ONLINE');
  });
});
