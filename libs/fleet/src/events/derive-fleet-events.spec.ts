import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FleetCommand } from '../commands';
import type { Mission, Uav, UavStatus } from '../model';
import type { UavCommandRow } from '../outbox';
import { applied, FleetApplyOutcome, rejected } from '../rejection';
import { action, at, createMission, progress, registerUav } from '../testing/fleet-test-kit';
import { FleetApplyNotes } from './apply-notes';
import { deriveFleetEvents } from './derive-fleet-events';
import { FLEET_EVENT_TYPES, FleetEventType, parseFleetEventId, UavEventData } from './fleet-event';

/** Derivation alone: a command, the outcome the applier gave it, and what the applier noted. */

function mission(overrides: Partial<Mission> = {}): Mission {
  return {
    mission_id: 'm-1',
    name: 'Mission m-1',
    description: 'search the square',
    mission_type: 'SINGLE_UAV',
    uav_list: ['uav-1'],
    payload: { search_params: { pattern: 'LAWN_MOWER' } },
    state: 'PENDING',
    progress: 0,
    priority: 0,
    version: 1,
    created_at: at(0),
    updated_at: at(0),
    started_at: null,
    completed_at: null,
    ...overrides,
  };
}

function uav(id: string, status: UavStatus, overrides: Partial<Uav> = {}): Uav {
  return {
    uav_id: id,
    status,
    last_heartbeat: at(0),
    current_mission_id: null,
    capabilities: {},
    metadata: {},
    position: null,
    battery: null,
    version: 2,
    created_at: at(0),
    updated_at: at(1),
    ...overrides,
  };
}

function notesWith(statuses: Record<string, UavStatus | null>, inserted = false): FleetApplyNotes {
  const notes = new FleetApplyNotes();
  for (const [id, status] of Object.entries(statuses)) notes.uavStatusBefore(id, status);
  if (inserted) notes.missionInserted();
  return notes;
}

const FLAG: FleetCommand = {
  type: 'FlagUavCommand',
  command_id: '40-1',
  uav_id: 'uav-1',
  tries: 10,
  at: at(5),
};

function flaggedCommand(): UavCommandRow {
  return {
    command_id: '40-1',
    uav_id: 'uav-1',
    seq: 3,
    action: 'dispatch',
    mission_id: 'm-1',
    mission: { name: 'Mission m-1' },
    issued_at: at(0),
    log_index: 40,
    state: 'FLAGGED',
    ack_status: null,
    acked_at: null,
    flagged_at: at(5),
    tries: 10,
  };
}

function flaggedNotes(): FleetApplyNotes {
  const notes = new FleetApplyNotes();
  notes.uavCommandFlagged();
  return notes;
}

function types(
  command: FleetCommand,
  outcome: FleetApplyOutcome,
  notes = new FleetApplyNotes(),
): string[] {
  return deriveFleetEvents(command, outcome, notes).map((event) => event.type);
}

describe('deriveFleetEvents: missions', () => {
  it('a created mission gives mission_created with the row, without its payload', () => {
    const events = deriveFleetEvents(createMission('m-1'), applied(mission()), notesWith({}, true));
    assert.equal(events.length, 1);
    assert.equal(events[0].type, 'mission_created');
    assert.deepEqual(events[0].data, {
      mission_id: 'm-1',
      name: 'Mission m-1',
      mission_type: 'SINGLE_UAV',
      uav_list: ['uav-1'],
      state: 'PENDING',
      progress: 0,
      priority: 0,
      version: 1,
      updated_at: at(0),
      started_at: null,
      completed_at: null,
    });
  });

  it('a create that found the same mission already there gives nothing', () => {
    assert.deepEqual(types(createMission('m-1'), applied(mission())), []);
  });

  const cases: Array<[string, FleetCommand, Partial<Mission>, FleetEventType]> = [
    [
      'dispatch',
      action('DispatchMission', 'm-1'),
      { state: 'RUNNING', started_at: at(1) },
      'mission_dispatched',
    ],
    ['pause', action('PauseMission', 'm-1'), { state: 'PAUSED' }, 'mission_paused'],
    ['resume', action('ResumeMission', 'm-1'), { state: 'RUNNING' }, 'mission_resumed'],
    ['cancel', action('CancelMission', 'm-1'), { state: 'CANCELLED' }, 'mission_cancelled'],
    ['progress', progress('m-1', 0.5), { state: 'RUNNING', progress: 0.5 }, 'mission_progress'],
    [
      'success',
      progress('m-1', 1, 'SUCCEEDED'),
      { state: 'SUCCEEDED', progress: 1 },
      'mission_succeeded',
    ],
    ['failure', progress('m-1', 0.3, 'FAILED'), { state: 'FAILED' }, 'mission_failed'],
    ['delete', action('DeleteMission', 'm-1'), { state: 'CANCELLED' }, 'mission_deleted'],
  ];
  for (const [name, command, row, expected] of cases) {
    it(`${name} gives ${expected} carrying the mission's new state`, () => {
      const events = deriveFleetEvents(command, applied(mission(row)), new FleetApplyNotes());
      assert.deepEqual(
        events.map((e) => e.type),
        [expected],
      );
      assert.equal((events[0].data as Mission).state, row.state);
    });
  }
});

describe('deriveFleetEvents: UAVs', () => {
  it('a new registration gives uav_registered with no previous status', () => {
    const events = deriveFleetEvents(
      registerUav('uav-1'),
      applied(uav('uav-1', 'ONLINE', { version: 1 })),
      notesWith({ 'uav-1': null }),
    );
    assert.deepEqual(
      events.map((e) => [e.type, (e.data as { previous_status: unknown }).previous_status]),
      [['uav_registered', null]],
    );
  });

  it('registering an OFFLINE UAV again also gives uav_online', () => {
    assert.deepEqual(
      types(
        registerUav('uav-1'),
        applied(uav('uav-1', 'ONLINE')),
        notesWith({ 'uav-1': 'OFFLINE' }),
      ),
      ['uav_registered', 'uav_online'],
    );
  });

  it('registering an ONLINE UAV again gives only uav_registered', () => {
    assert.deepEqual(
      types(registerUav('uav-1'), applied(uav('uav-1', 'IDLE')), notesWith({ 'uav-1': 'ONLINE' })),
      ['uav_registered'],
    );
  });

  it('a sync gives uav_online and uav_offline only for UAVs that crossed OFFLINE, in result order', () => {
    const command: FleetCommand = {
      type: 'SyncUavStates',
      at: at(5),
      reports: [
        { uav_id: 'a', heartbeat_at: at(5) },
        { uav_id: 'b', heartbeat_at: at(5), status: 'OFFLINE' },
        { uav_id: 'c', heartbeat_at: at(5) },
      ],
    };
    const result = {
      updated: [uav('a', 'ONLINE'), uav('b', 'OFFLINE'), uav('c', 'BUSY')],
      skipped: ['zz'],
    };
    const events = deriveFleetEvents(
      command,
      applied(result),
      notesWith({ a: 'OFFLINE', b: 'IDLE', c: 'BUSY' }),
    );
    assert.deepEqual(
      events.map((e) => [e.type, (e.data as UavEventData).uav_id]),
      [
        ['uav_online', 'a'],
        ['uav_offline', 'b'],
      ],
    );
  });

  it("the leader's offline decision gives uav_offline with each UAV's previous status", () => {
    const command: FleetCommand = { type: 'MarkUavsOffline', at: at(90), uav_ids: ['a', 'b'] };
    const result = { offline: [uav('a', 'OFFLINE'), uav('b', 'OFFLINE')], skipped: [] };
    const events = deriveFleetEvents(command, applied(result), notesWith({ a: 'IDLE', b: 'BUSY' }));
    assert.deepEqual(
      events.map((e) => [e.type, (e.data as { previous_status: unknown }).previous_status]),
      [
        ['uav_offline', 'IDLE'],
        ['uav_offline', 'BUSY'],
      ],
    );
  });
});

describe('deriveFleetEvents: nothing changed, nothing emitted', () => {
  const commands: FleetCommand[] = [
    createMission('m-1'),
    action('DispatchMission', 'm-1'),
    progress('m-1', 1, 'SUCCEEDED'),
    registerUav('uav-1'),
    { type: 'MarkUavsOffline', at: at(90), uav_ids: ['a'] },
  ];
  for (const command of commands) {
    it(`a rejected ${command.type} emits nothing`, () => {
      const notes = notesWith({ 'uav-1': 'OFFLINE', a: 'IDLE' }, true);
      assert.deepEqual(types(command, rejected('conflict', 'no.'), notes), []);
      assert.deepEqual(types(command, rejected('not_found', 'no.'), notes), []);
    });
  }

  it('an idempotent repeat (replayed) emits nothing', () => {
    const replay: FleetApplyOutcome = { status: 'applied', result: mission(), replayed: true };
    assert.deepEqual(types(createMission('m-1'), replay, notesWith({}, true)), []);
  });

  it('every event type is produced by some command', () => {
    // Guards the list clients filter by against a type no command produces.
    const produced = new Set<string>([
      ...types(createMission('m-1'), applied(mission()), notesWith({}, true)),
      ...[
        action('DispatchMission', 'm-1'),
        action('PauseMission', 'm-1'),
        action('ResumeMission', 'm-1'),
        action('CancelMission', 'm-1'),
        action('DeleteMission', 'm-1'),
        progress('m-1', 0.5),
        progress('m-1', 1, 'SUCCEEDED'),
        progress('m-1', 1, 'FAILED'),
      ].flatMap((command) => types(command, applied(mission()))),
      ...types(registerUav('u'), applied(uav('u', 'ONLINE')), notesWith({ u: 'OFFLINE' })),
      ...types(
        { type: 'MarkUavsOffline', at: at(9), uav_ids: ['u'] },
        applied({ offline: [uav('u', 'OFFLINE')], skipped: [] }),
        notesWith({ u: 'IDLE' }),
      ),
      ...types(FLAG, applied(flaggedCommand()), flaggedNotes()),
    ]);
    assert.deepEqual([...produced].sort(), [...FLEET_EVENT_TYPES].sort());
  });
});

describe('deriveFleetEvents: UAV commands', () => {
  it('a command flagged here gives uav_command_flagged, without the mission details', () => {
    const [event] = deriveFleetEvents(FLAG, applied(flaggedCommand()), flaggedNotes());
    assert.deepEqual(event, {
      type: 'uav_command_flagged',
      data: {
        uav_id: 'uav-1',
        command_id: '40-1',
        seq: 3,
        action: 'dispatch',
        mission_id: 'm-1',
        issued_at: at(0),
        flagged_at: at(5),
        tries: 10,
      },
    });
  });

  it('a flag that found the command acknowledged or flagged already gives nothing', () => {
    assert.deepEqual(types(FLAG, applied(flaggedCommand())), []);
  });
});

describe('parseFleetEventId', () => {
  it('reads "index-position" and a bare index (after all of its events)', () => {
    assert.deepEqual(parseFleetEventId('1234-2'), { index: 1234, position: 2 });
    assert.deepEqual(parseFleetEventId('77'), { index: 77, position: Number.MAX_SAFE_INTEGER });
  });

  it('refuses anything else', () => {
    for (const text of ['', 'abc', '1-2-3', '-1', '1.5', '12-x']) {
      assert.equal(parseFleetEventId(text), undefined, text);
    }
  });
});
