import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { applyFleetCommand, IDEMPOTENCY_RETENTION_ENTRIES } from './fleet-applier';
import { Mission } from './model';
import { prepareFleetCommand } from './prepare';
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
  await node.ok(registerUav('uav-1'));
});

after(async () => {
  await node.drop();
});

/** A mission flown by a UAV of its own, so that dispatching it never meets a busy UAV. */
async function missionWithOwnUav(missionId: string): Promise<void> {
  await node.ok(registerUav(`uav-of-${missionId}`));
  await node.ok(createMission(missionId, { uav_list: [`uav-of-${missionId}`] }));
}

describe('idempotent create with a client-supplied mission id', () => {
  it('answers the same body again with the existing mission, even with another time', async () => {
    const first = await node.ok<Mission>(createMission('client-1', { at: at(0) }));
    const before = await node.dump();
    const outcome = await node.apply(createMission('client-1', { at: at(30) }));
    assert.deepEqual(outcome, { status: 'applied', result: first });
    assert.deepEqual(await node.dump(), before);
  });

  it('answers with the mission as it is now, after it moved on', async () => {
    await missionWithOwnUav('client-2');
    const running = await node.ok<Mission>(action('DispatchMission', 'client-2'));
    const outcome = await node.apply(
      createMission('client-2', { uav_list: ['uav-of-client-2'], at: at(99) }),
    );
    assert.deepEqual(outcome, { status: 'applied', result: running });
  });

  it('refuses a different body under the same id (conflict, nothing changes)', async () => {
    await node.ok(createMission('client-3'));
    const before = await node.dump();
    for (const body of [
      createMission('client-3', { name: 'another name' }),
      createMission('client-3', { priority: 1 }),
      createMission('client-3', { description: undefined }),
    ]) {
      const outcome = await node.apply(body);
      assert.equal(parseFleetRejection(outcome)?.code, 'conflict');
      assert.match(
        parseFleetRejection(outcome)?.message ?? '',
        /mission client-3 already exists and was created with a different body/,
      );
    }
    assert.deepEqual(await node.dump(), before);
  });

  it('lands a retry without a mission id on the same mission through its idempotency key', async () => {
    const {
      at: _at,
      mission_id: _id,
      ...draft
    } = createMission('unused', { idempotency_key: 'create-k' });
    const first = prepareFleetCommand(draft, {
      now: () => Date.UTC(2030, 0, 1, 1),
      newId: () => 'a',
    });
    const retry = prepareFleetCommand(draft, {
      now: () => Date.UTC(2030, 0, 1, 2),
      newId: () => 'b',
    });
    assert.ok(first.ok && retry.ok);
    const created = await node.ok<Mission>(first.command);
    const outcome = await node.apply(retry.command);
    assert.deepEqual(outcome, { status: 'applied', result: created, replayed: true });
    assert.equal(
      (
        await node.database.dataSource.query<unknown[]>('SELECT 1 FROM missions WHERE name = $1', [
          created.name,
        ])
      ).length,
      1,
    );
  });
});

describe('idempotency keys on actions', () => {
  it('answers a repeated action with the stored outcome and applies it once', async () => {
    await missionWithOwnUav('k-1');
    const dispatch = action('DispatchMission', 'k-1', {
      idempotency_key: 'dispatch-k-1',
      at: at(10),
    });
    const first = await node.ok<Mission>(dispatch);
    assert.equal(first.version, 2);
    const before = await node.dump();
    const repeat = await node.apply({ ...dispatch, at: at(20) });
    assert.deepEqual(repeat, { status: 'applied', result: first, replayed: true });
    assert.equal(
      JSON.stringify(repeat.status === 'applied' ? repeat.result : null),
      JSON.stringify(first),
      'the stored answer reads as the first one did, key order included',
    );
    assert.deepEqual(await node.dump(), before, 'the repeat changes nothing');
    const rows = await node.database.dataSource.query<
      Array<{ key: string; applied_index: string; outcome: unknown }>
    >("SELECT key, applied_index, outcome FROM fleet_idempotency WHERE key = 'dispatch-k-1'");
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0].outcome, { status: 'applied', result: first });
  });

  it('answers the stored outcome even after the mission moved on (a pause retried after a resume)', async () => {
    await missionWithOwnUav('k-2');
    await node.ok(action('DispatchMission', 'k-2'));
    const pause = action('PauseMission', 'k-2', { idempotency_key: 'pause-k-2' });
    const paused = await node.ok<Mission>(pause);
    await node.ok(action('ResumeMission', 'k-2'));
    assert.deepEqual(await node.apply(pause), {
      status: 'applied',
      result: paused,
      replayed: true,
    });
  });

  it('refuses a key reused for a different request (conflict, nothing changes)', async () => {
    await node.ok(createMission('k-3'));
    await node.ok(createMission('k-4', { uav_list: ['uav-2'] }));
    await node.ok(action('CancelMission', 'k-3', { idempotency_key: 'shared-key' }));
    const before = await node.dump();
    for (const command of [
      action('CancelMission', 'k-4', { idempotency_key: 'shared-key' }),
      action('DeleteMission', 'k-3', { idempotency_key: 'shared-key' }),
      action('CancelMission', 'k-3', { idempotency_key: 'shared-key', expected_version: 1 }),
    ]) {
      const rejection = parseFleetRejection(await node.apply(command));
      assert.equal(rejection?.code, 'conflict');
      assert.equal(
        rejection?.message,
        'idempotency key shared-key was already used for a different request.',
      );
    }
    assert.deepEqual(await node.dump(), before);
  });

  it('does not keep the key of a refused command: the retry is decided afresh', async () => {
    await missionWithOwnUav('k-5');
    const report = progress('k-5', 0.5, undefined, { idempotency_key: 'progress-k-5' });
    const before = await node.dump();
    assert.equal(parseFleetRejection(await node.apply(report))?.code, 'conflict');
    assert.deepEqual(await node.dump(), before);
    await node.ok(action('DispatchMission', 'k-5'));
    const mission = await node.ok<Mission>(report);
    assert.equal(mission.progress, 0.5);
  });

  it('keeps a key in the same table for UAV registrations', async () => {
    const register = registerUav('uav-k', { idempotency_key: 'register-uav-k' });
    const first = await node.ok(register);
    assert.deepEqual(await node.apply({ ...register, at: at(5) }), {
      status: 'applied',
      result: first,
      replayed: true,
    });
  });

  it('prunes keys older than the retention, by log index', async () => {
    await node.database.dataSource.query(
      `INSERT INTO fleet_idempotency (key, command_hash, outcome, applied_index) VALUES ('ancient', 'h', '{}', 1)`,
    );
    // Pretend the log moved on: apply the next keyed command far beyond the retention.
    await node.database.dataSource.transaction((manager) =>
      applyFleetCommand(
        manager,
        registerUav('uav-late', { idempotency_key: 'late' }),
        IDEMPOTENCY_RETENTION_ENTRIES + 2,
      ),
    );
    const keys = await node.database.dataSource.query<Array<{ key: string }>>(
      "SELECT key FROM fleet_idempotency WHERE key IN ('ancient', 'late') ORDER BY key",
    );
    assert.deepEqual(
      keys.map((k) => k.key),
      ['late'],
    );
  });
});
