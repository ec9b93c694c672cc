import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FleetCommand } from '../commands';
import type { Mission } from '../model';
import { applied, rejected } from '../rejection';
import { deriveUavCommands } from './derive-uav-commands';

const mission: Mission = {
  mission_id: 'm1',
  name: 'survey',
  description: '',
  mission_type: 'MULTI_UAV',
  uav_list: ['b', 'a'],
  payload: { search_params: { pattern: 'SPIRAL' }, search_area: [] },
  state: 'RUNNING',
  progress: 0,
  priority: 3,
  version: 2,
  created_at: '2030-01-01T00:00:00.000Z',
  updated_at: '2030-01-01T00:00:05.000Z',
  started_at: '2030-01-01T00:00:05.000Z',
  completed_at: null,
};

function command(type: FleetCommand['type']): FleetCommand {
  return { type, mission_id: 'm1', at: 0 } as FleetCommand;
}

describe('deriveUavCommands', () => {
  it('one command per UAV in uav_list order, ids and time from the entry', () => {
    const derived = deriveUavCommands(command('DispatchMission'), applied(mission), 42);
    assert.deepEqual(
      derived.map((c) => [c.command_id, c.uav_id, c.action, c.issued_at, c.log_index]),
      [
        ['42-1', 'b', 'dispatch', mission.updated_at, 42],
        ['42-2', 'a', 'dispatch', mission.updated_at, 42],
      ],
    );
    assert.equal(derived[0].mission?.priority, 3);
  });

  it('maps each mission action, with details only for a dispatch', () => {
    for (const [type, act] of [
      ['PauseMission', 'pause'],
      ['ResumeMission', 'resume'],
      ['CancelMission', 'cancel'],
    ] as const) {
      const derived = deriveUavCommands(command(type), applied(mission), 7);
      assert.deepEqual(
        derived.map((c) => [c.action, c.mission]),
        [
          [act, null],
          [act, null],
        ],
      );
    }
  });

  it('nothing for refusals, replays, other commands, or cancelling an undispatched mission', () => {
    assert.deepEqual(deriveUavCommands(command('PauseMission'), rejected('conflict', 'no'), 1), []);
    assert.deepEqual(
      deriveUavCommands(command('PauseMission'), { ...applied(mission), replayed: true }, 1),
      [],
    );
    assert.deepEqual(deriveUavCommands(command('ReportMissionProgress'), applied(mission), 1), []);
    assert.deepEqual(
      deriveUavCommands(command('CancelMission'), applied({ ...mission, started_at: null }), 1),
      [],
    );
  });

  it('is the same whenever it is derived', () => {
    const once = deriveUavCommands(command('DispatchMission'), applied(mission), 9);
    assert.deepEqual(deriveUavCommands(command('DispatchMission'), applied(mission), 9), once);
  });
});
