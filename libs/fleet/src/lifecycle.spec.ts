import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeFleetCommand, FleetCommand } from './commands';
import { Mission, MissionState } from './model';
import { getMission } from './queries';
import { parseFleetRejection } from './rejection';
import {
  action,
  at,
  createMission,
  FleetNode,
  progress,
  registerUav,
} from './testing/fleet-test-kit';

/**
 * The mission state machine, through the node's real path: TypeormStateMachine + FleetApplier on a
 * PostgreSQL database, one entry per command.
 */

let node: FleetNode;
let serial = 0;

before(async () => {
  node = await FleetNode.create();
});

after(async () => {
  await node.drop();
});

/**
 * A fresh mission (and its UAV) brought to `state` by the allowed transitions; gives its id.
 */
async function missionIn(state: MissionState): Promise<string> {
  const id = `m-${++serial}`;
  const uav = `uav-${serial}`;
  await node.ok(registerUav(uav));
  await node.ok(createMission(id, { uav_list: [uav] }));
  const path: Record<MissionState, FleetCommand[]> = {
    PENDING: [],
    RUNNING: [action('DispatchMission', id)],
    PAUSED: [action('DispatchMission', id), action('PauseMission', id)],
    SUCCEEDED: [action('DispatchMission', id), progress(id, 1, 'SUCCEEDED')],
    FAILED: [action('DispatchMission', id), progress(id, 0.4, 'FAILED')],
    CANCELLED: [action('CancelMission', id)],
  };
  for (const command of path[state]) await node.ok(command);
  return id;
}

async function assertRefused(command: FleetCommand, code: string, message: RegExp): Promise<void> {
  const before = await node.dump();
  const outcome = await node.apply(command);
  assert.equal(outcome.status, 'rejected', `${command.type} should be refused`);
  const rejection = parseFleetRejection(outcome);
  assert.equal(rejection?.code, code);
  assert.match(rejection.message, message);
  assert.ok(outcome.status === 'rejected' && outcome.reason.startsWith(`${code}: `));
  assert.deepEqual(await node.dump(), before, 'a refused command changes nothing');
}

type Act = 'dispatch' | 'pause' | 'resume' | 'cancel' | 'succeed' | 'fail' | 'progress';

function commandFor(act: Act, id: string): FleetCommand {
  switch (act) {
    case 'dispatch':
      return action('DispatchMission', id, { at: at(50) });
    case 'pause':
      return action('PauseMission', id, { at: at(50) });
    case 'resume':
      return action('ResumeMission', id, { at: at(50) });
    case 'cancel':
      return action('CancelMission', id, { at: at(50) });
    case 'succeed':
      return progress(id, 1, 'SUCCEEDED', { at: at(50) });
    case 'fail':
      return progress(id, 0.3, 'FAILED', { at: at(50) });
    case 'progress':
      return progress(id, 0.25, undefined, { at: at(50) });
  }
}

/** Every (state, action) pair: where it leads, or null when it is refused. */
const TABLE: Record<MissionState, Record<Act, MissionState | null>> = {
  PENDING: {
    dispatch: 'RUNNING',
    pause: null,
    resume: null,
    cancel: 'CANCELLED',
    succeed: null,
    fail: null,
    progress: null,
  },
  RUNNING: {
    dispatch: null,
    pause: 'PAUSED',
    resume: null,
    cancel: 'CANCELLED',
    succeed: 'SUCCEEDED',
    fail: 'FAILED',
    progress: 'RUNNING',
  },
  PAUSED: {
    dispatch: null,
    pause: null,
    resume: 'RUNNING',
    cancel: 'CANCELLED',
    succeed: null,
    fail: null,
    progress: 'PAUSED',
  },
  SUCCEEDED: {
    dispatch: null,
    pause: null,
    resume: null,
    cancel: null,
    succeed: null,
    fail: null,
    progress: null,
  },
  FAILED: {
    dispatch: null,
    pause: null,
    resume: null,
    cancel: null,
    succeed: null,
    fail: null,
    progress: null,
  },
  CANCELLED: {
    dispatch: null,
    pause: null,
    resume: null,
    cancel: null,
    succeed: null,
    fail: null,
    progress: null,
  },
};

describe('mission lifecycle', () => {
  it('creates a PENDING mission at version 1 with the command time', async () => {
    const mission = await node.ok<Mission>(
      createMission('new-1', { at: '2030-01-01T01:00:00+01:00', priority: 3 }),
    );
    assert.deepEqual(mission, {
      mission_id: 'new-1',
      name: 'Mission new-1',
      description: 'search the square',
      mission_type: 'SINGLE_UAV',
      uav_list: ['uav-1'],
      payload: createMission('new-1').payload,
      state: 'PENDING',
      progress: 0,
      priority: 3,
      version: 1,
      created_at: '2030-01-01T00:00:00.000Z',
      updated_at: '2030-01-01T00:00:00.000Z',
      started_at: null,
      completed_at: null,
    });
  });

  for (const [from, row] of Object.entries(TABLE) as Array<
    [MissionState, Record<Act, MissionState | null>]
  >) {
    for (const [act, to] of Object.entries(row) as Array<[Act, MissionState | null]>) {
      if (to === null) {
        it(`refuses ${act} on a ${from} mission (conflict, nothing changes)`, async () => {
          const id = await missionIn(from);
          await assertRefused(
            commandFor(act, id),
            'conflict',
            new RegExp(`mission ${id} is ${from}`),
          );
        });
      } else {
        it(`${act}: ${from} → ${to}, version + 1, times from the command`, async () => {
          const id = await missionIn(from);
          const before = await getMission(node.database.dataSource, id);
          assert.ok(before);
          const mission = await node.ok<Mission>(commandFor(act, id));
          assert.equal(mission.state, to);
          assert.equal(mission.version, before.version + 1);
          assert.equal(mission.updated_at, at(50));
          if (act === 'dispatch') assert.equal(mission.started_at, at(50));
          else assert.equal(mission.started_at, before.started_at);
          if (['CANCELLED', 'SUCCEEDED', 'FAILED'].includes(to))
            assert.equal(mission.completed_at, at(50));
          else assert.equal(mission.completed_at, null);
          if (act === 'succeed') assert.equal(mission.progress, 1);
          if (act === 'fail') assert.equal(mission.progress, 0.3);
          if (act === 'progress') assert.equal(mission.progress, 0.25);
        });
      }
    }
  }

  it('refuses an action on an unknown mission (not_found)', async () => {
    await assertRefused(
      action('DispatchMission', 'ghost'),
      'not_found',
      /mission ghost does not exist/,
    );
    await assertRefused(progress('ghost', 0.5), 'not_found', /mission ghost does not exist/);
    await assertRefused(
      action('DeleteMission', 'ghost'),
      'not_found',
      /mission ghost does not exist/,
    );
  });

  it('checks expected_version on every change (version_mismatch, nothing changes)', async () => {
    const id = await missionIn('PENDING');
    await assertRefused(
      action('DispatchMission', id, { expected_version: 2 }),
      'version_mismatch',
      new RegExp(`mission ${id} is at version 1, not the expected 2`),
    );
    const running = await node.ok<Mission>(action('DispatchMission', id, { expected_version: 1 }));
    assert.equal(running.version, 2);
    for (const command of [
      action('PauseMission', id, { expected_version: 1 }),
      action('CancelMission', id, { expected_version: 3 }),
      progress(id, 0.5, undefined, { expected_version: 1 }),
      action('DeleteMission', id, { expected_version: 1 }),
    ]) {
      await assertRefused(command, 'version_mismatch', /is at version 2/);
    }
    assert.equal(
      (await node.ok<Mission>(action('PauseMission', id, { expected_version: 2 }))).version,
      3,
    );
  });

  for (const state of ['PENDING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const) {
    it(`deletes a ${state} mission and gives it back`, async () => {
      const id = await missionIn(state);
      const deleted = await node.ok<Mission>(action('DeleteMission', id));
      assert.equal(deleted.mission_id, id);
      assert.equal(deleted.state, state);
      assert.deepEqual(
        await node.database.dataSource.query(
          'SELECT mission_id FROM missions WHERE mission_id = $1',
          [id],
        ),
        [],
      );
      await assertRefused(action('DeleteMission', id), 'not_found', /does not exist/);
    });
  }

  for (const state of ['RUNNING', 'PAUSED'] as const) {
    it(`refuses to delete a ${state} mission`, async () => {
      const id = await missionIn(state);
      await assertRefused(
        action('DeleteMission', id),
        'conflict',
        /cannot be deleted \(cancel it first\)/,
      );
    });
  }

  it('rejects a payload that is not a valid command as invalid, changing nothing', async () => {
    const before = await node.dump();
    const outcomes = await node.applyAll([
      new TextEncoder().encode('{"v":9,"type":"CreateMission"}'),
      new TextEncoder().encode('{"v":1,"type":"CreateMission","mission_id":"bad"}'),
      // Text PostgreSQL cannot store would fail the whole batch; it is refused instead.
      encodeFleetCommand(createMission('nul', { name: 'a\u0000b' })),
    ]);
    assert.deepEqual(
      outcomes.map((o) => parseFleetRejection(o)?.code),
      ['invalid', 'invalid', 'invalid'],
    );
    assert.match(
      outcomes[0].status === 'rejected' ? outcomes[0].reason : '',
      /^invalid: unknown fleet command version 9/,
    );
    assert.match(outcomes[1].status === 'rejected' ? outcomes[1].reason : '', /name: is required/);
    assert.deepEqual(await node.dump(), before);
    assert.equal(await node.machine.appliedIndex(), node.appliedIndex);
  });
});
