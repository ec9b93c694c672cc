import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeFleetCommand,
  encodeFleetCommand,
  FleetCommand,
  FleetCommandError,
  MarkUavsOfflineCommand,
  SyncUavStatesCommand,
} from './commands';
import { missionIdForIdempotencyKey, prepareFleetCommand } from './prepare';
import { at, createMission, progress, registerUav, SQUARE } from './testing/fleet-test-kit';
import { FieldProblem, isCommandTimestamp, validateFleetCommand } from './validation';

const encoder = new TextEncoder();

type Mutation = (command: Record<string, unknown>) => void;

function mutated(command: FleetCommand, change: Mutation): Record<string, unknown> {
  const copy = structuredClone(command) as unknown as Record<string, unknown>;
  change(copy);
  return copy;
}

function payloadOf(command: Record<string, unknown>): Record<string, unknown> {
  return command.payload as Record<string, unknown>;
}

function paramsOf(command: Record<string, unknown>): Record<string, unknown> {
  return payloadOf(command).search_params as Record<string, unknown>;
}

const sync: SyncUavStatesCommand = {
  type: 'SyncUavStates',
  at: at(10),
  reports: [
    {
      uav_id: 'uav-1',
      status: 'ONLINE',
      battery: 80,
      position: { lat: 47, lon: 8, alt: 100 },
      heartbeat_at: at(9),
    },
  ],
};

const offline: MarkUavsOfflineCommand = {
  type: 'MarkUavsOffline',
  at: at(100),
  uav_ids: ['uav-1', 'uav-2'],
  stale_before: at(40),
};

const VALID: FleetCommand[] = [
  createMission('m-1'),
  createMission('m-2', {
    mission_type: 'MULTI_UAV',
    uav_list: ['uav-1', 'uav-2'],
    description: undefined,
    priority: -5,
    payload: {
      waypoints: [
        { lat: 47, lon: 8, alt: 100 },
        { lat: 47.1, lon: 8.1, alt: 120 },
      ],
      search_params: { pattern: 'WAYPOINT_LIST', speed: 12, label: 'north', loop: false },
    },
    at: T0ms(),
    idempotency_key: 'create-2',
  }),
  { type: 'DispatchMission', mission_id: 'm-1', at: at(1), expected_version: 1 },
  { type: 'PauseMission', mission_id: 'm-1', at: at(1), idempotency_key: 'k-1' },
  { type: 'ResumeMission', mission_id: 'm-1', at: '2030-01-01T02:00:00+02:00' },
  { type: 'CancelMission', mission_id: 'm-1', at: at(1) },
  { type: 'DeleteMission', mission_id: 'm-1', at: at(1) },
  progress('m-1', 0),
  progress('m-1', 1, 'SUCCEEDED'),
  progress('m-1', 0.5, 'FAILED'),
  registerUav('uav-1'),
  registerUav('uav-2', { status: 'ERROR', position: { lat: -90, lon: 180 }, battery: 0 }),
  sync,
  offline,
  { type: 'MarkUavsOffline', at: at(1), uav_ids: ['uav-1'] },
];

function T0ms(): number {
  return Date.UTC(2030, 0, 1);
}

interface Case {
  readonly name: string;
  readonly base: FleetCommand;
  readonly change: Mutation;
  readonly problems: FieldProblem[];
}

const mission = createMission('m-1');

const CASES: Case[] = [
  // CreateMission: ids, name, enums, numbers
  {
    name: 'mission id missing',
    base: mission,
    change: (c) => delete c.mission_id,
    problems: [{ field: 'mission_id', reason: 'is required' }],
  },
  {
    name: 'mission id with a space',
    base: mission,
    change: (c) => (c.mission_id = 'a b'),
    problems: [
      {
        field: 'mission_id',
        reason: 'must contain only letters, digits and . _ : - and start with a letter or digit',
      },
    ],
  },
  {
    name: 'mission id too long',
    base: mission,
    change: (c) => (c.mission_id = 'm'.repeat(129)),
    problems: [{ field: 'mission_id', reason: 'must be at most 128 characters' }],
  },
  {
    name: 'name missing',
    base: mission,
    change: (c) => delete c.name,
    problems: [{ field: 'name', reason: 'is required' }],
  },
  {
    name: 'name blank',
    base: mission,
    change: (c) => (c.name = '   '),
    problems: [{ field: 'name', reason: 'must not be empty' }],
  },
  {
    name: 'name too long',
    base: mission,
    change: (c) => (c.name = 'n'.repeat(201)),
    problems: [{ field: 'name', reason: 'must be at most 200 characters' }],
  },
  {
    name: 'name not a string',
    base: mission,
    change: (c) => (c.name = 42),
    problems: [{ field: 'name', reason: 'must be a string' }],
  },
  {
    name: 'description too long',
    base: mission,
    change: (c) => (c.description = 'd'.repeat(2001)),
    problems: [{ field: 'description', reason: 'must be at most 2000 characters' }],
  },
  {
    name: 'unknown mission type',
    base: mission,
    change: (c) => (c.mission_type = 'SWARM'),
    problems: [{ field: 'mission_type', reason: 'must be one of SINGLE_UAV, MULTI_UAV, CLUSTER' }],
  },
  {
    name: 'priority not an integer',
    base: mission,
    change: (c) => (c.priority = 1.5),
    problems: [{ field: 'priority', reason: 'must be an integer' }],
  },
  {
    name: 'priority a string',
    base: mission,
    change: (c) => (c.priority = '3'),
    problems: [{ field: 'priority', reason: 'must be an integer' }],
  },
  {
    name: 'priority missing',
    base: mission,
    change: (c) => delete c.priority,
    problems: [{ field: 'priority', reason: 'is required' }],
  },
  {
    name: 'priority out of the integer column',
    base: mission,
    change: (c) => (c.priority = 2 ** 31),
    problems: [{ field: 'priority', reason: 'must be between -2147483648 and 2147483647' }],
  },
  {
    name: 'name with a NUL character',
    base: mission,
    change: (c) => (c.name = 'a\u0000b'),
    problems: [
      { field: 'name', reason: 'must not contain NUL characters or unpaired UTF-16 surrogates' },
    ],
  },
  {
    name: 'description with an unpaired surrogate',
    base: mission,
    change: (c) => (c.description = 'x\ud800'),
    problems: [
      {
        field: 'description',
        reason: 'must not contain NUL characters or unpaired UTF-16 surrogates',
      },
    ],
  },
  {
    name: 'a search parameter named like an Object method',
    base: mission,
    change: (c) => Object.assign(paramsOf(c), { toString: 'x'.repeat(201) }),
    problems: [
      {
        field: 'payload.search_params.toString',
        reason: 'must be a number, a boolean or a string of at most 200 characters',
      },
    ],
  },
  {
    name: 'unknown field',
    base: mission,
    change: (c) => (c.colour = 'red'),
    problems: [{ field: 'colour', reason: 'is not a known field' }],
  },
  // uav_list
  {
    name: 'uav_list empty',
    base: mission,
    change: (c) => (c.uav_list = []),
    problems: [{ field: 'uav_list', reason: 'must list at least one UAV' }],
  },
  {
    name: 'uav_list not an array',
    base: mission,
    change: (c) => (c.uav_list = 'uav-1'),
    problems: [{ field: 'uav_list', reason: 'must be an array of UAV ids' }],
  },
  {
    name: 'uav_list with a repeat',
    base: mission,
    change: (c) => {
      c.mission_type = 'MULTI_UAV';
      c.uav_list = ['uav-1', 'uav-1'];
    },
    problems: [{ field: 'uav_list[1]', reason: 'repeats UAV uav-1' }],
  },
  {
    name: 'uav_list with a bad id',
    base: mission,
    change: (c) => (c.uav_list = [7]),
    problems: [{ field: 'uav_list[0]', reason: 'must be a string (a UAV id)' }],
  },
  {
    name: 'SINGLE_UAV with two UAVs',
    base: mission,
    change: (c) => (c.uav_list = ['uav-1', 'uav-2']),
    problems: [{ field: 'uav_list', reason: 'must list exactly one UAV for a SINGLE_UAV mission' }],
  },
  // payload
  {
    name: 'payload missing',
    base: mission,
    change: (c) => delete c.payload,
    problems: [{ field: 'payload', reason: 'is required: an object with search_params' }],
  },
  {
    name: 'search_params missing',
    base: mission,
    change: (c) => delete payloadOf(c).search_params,
    problems: [{ field: 'payload.search_params', reason: 'is required: an object with a pattern' }],
  },
  {
    name: 'unknown pattern',
    base: mission,
    change: (c) => (paramsOf(c).pattern = 'CIRCLE'),
    problems: [
      {
        field: 'payload.search_params.pattern',
        reason: 'must be one of LAWN_MOWER, SPIRAL, ZIGZAG, SECTOR, WAYPOINT_LIST',
      },
    ],
  },
  {
    name: 'pattern missing',
    base: mission,
    change: (c) => delete paramsOf(c).pattern,
    problems: [{ field: 'payload.search_params.pattern', reason: 'is required' }],
  },
  {
    name: 'negative spacing',
    base: mission,
    change: (c) => (paramsOf(c).spacing = -1),
    problems: [
      { field: 'payload.search_params.spacing', reason: 'must be greater than 0 (metres)' },
    ],
  },
  {
    name: 'overlap of 1',
    base: mission,
    change: (c) => (paramsOf(c).overlap = 1),
    problems: [{ field: 'payload.search_params.overlap', reason: 'must be from 0 up to 1' }],
  },
  {
    name: 'heading not a number',
    base: mission,
    change: (c) => (paramsOf(c).heading = 'north'),
    problems: [
      {
        field: 'payload.search_params.heading',
        reason: 'must be a number from 0 up to 360 (degrees)',
      },
    ],
  },
  {
    name: 'a parameter that is an object',
    base: mission,
    change: (c) => (paramsOf(c).extra = { a: 1 }),
    problems: [
      {
        field: 'payload.search_params.extra',
        reason: 'must be a number, a boolean or a string of at most 200 characters',
      },
    ],
  },
  {
    name: 'empty polygon',
    base: mission,
    change: (c) => (payloadOf(c).search_area = []),
    problems: [
      {
        field: 'payload.search_area',
        reason: 'must not be empty (a polygon needs at least 3 points)',
      },
    ],
  },
  {
    name: 'polygon of two points',
    base: mission,
    change: (c) => (payloadOf(c).search_area = SQUARE.slice(0, 2)),
    problems: [{ field: 'payload.search_area', reason: 'must have at least 3 points' }],
  },
  {
    name: 'polygon on a line',
    base: mission,
    change: (c) =>
      (payloadOf(c).search_area = [
        { lat: 1, lon: 1 },
        { lat: 2, lon: 2 },
        { lat: 3, lon: 3 },
      ]),
    problems: [
      {
        field: 'payload.search_area',
        reason: 'must enclose an area (its points are all on one line)',
      },
    ],
  },
  {
    name: 'search area missing for an area pattern',
    base: mission,
    change: (c) => delete payloadOf(c).search_area,
    problems: [{ field: 'payload.search_area', reason: 'is required for the LAWN_MOWER pattern' }],
  },
  {
    name: 'latitude out of range',
    base: mission,
    change: (c) => ((payloadOf(c).search_area as Array<{ lat: number }>)[1].lat = 90.5),
    problems: [{ field: 'payload.search_area[1].lat', reason: 'must be between -90 and 90' }],
  },
  {
    name: 'longitude out of range',
    base: mission,
    change: (c) => ((payloadOf(c).search_area as Array<{ lon: number }>)[2].lon = -181),
    problems: [{ field: 'payload.search_area[2].lon', reason: 'must be between -180 and 180' }],
  },
  {
    name: 'latitude not a number',
    base: mission,
    change: (c) => ((payloadOf(c).search_area as Array<{ lat: unknown }>)[0].lat = '47'),
    problems: [
      { field: 'payload.search_area[0].lat', reason: 'must be a number between -90 and 90' },
    ],
  },
  {
    name: 'latitude NaN',
    base: mission,
    change: (c) => ((payloadOf(c).search_area as Array<{ lat: unknown }>)[0].lat = NaN),
    problems: [
      { field: 'payload.search_area[0].lat', reason: 'must be a number between -90 and 90' },
    ],
  },
  {
    name: 'point without lon',
    base: mission,
    change: (c) => delete (payloadOf(c).search_area as Array<{ lon?: number }>)[0].lon,
    problems: [{ field: 'payload.search_area[0].lon', reason: 'is required' }],
  },
  {
    name: 'waypoints missing for WAYPOINT_LIST',
    base: mission,
    change: (c) => (paramsOf(c).pattern = 'WAYPOINT_LIST'),
    problems: [{ field: 'payload.waypoints', reason: 'is required for the WAYPOINT_LIST pattern' }],
  },
  {
    name: 'waypoint without altitude',
    base: mission,
    change: (c) => (payloadOf(c).waypoints = [{ lat: 1, lon: 1 }]),
    problems: [{ field: 'payload.waypoints[0].alt', reason: 'is required' }],
  },
  {
    name: 'waypoints empty',
    base: mission,
    change: (c) => (payloadOf(c).waypoints = []),
    problems: [{ field: 'payload.waypoints', reason: 'must not be empty' }],
  },
  {
    name: 'unknown payload field',
    base: mission,
    change: (c) => (payloadOf(c).geofence = []),
    problems: [{ field: 'payload.geofence', reason: 'is not a known field' }],
  },
  // timestamps and common fields
  {
    name: 'at missing',
    base: mission,
    change: (c) => delete c.at,
    problems: [{ field: 'at', reason: 'is required' }],
  },
  ...['2030-01-01T00:00:00', '2030-02-30T00:00:00Z', 'yesterday', '2030-01-01T24:00:00Z'].map(
    (value): Case => ({
      name: `at ${value}`,
      base: mission,
      change: (c) => (c.at = value),
      problems: [
        {
          field: 'at',
          reason:
            'must be an ISO 8601 timestamp with a time zone (2030-01-01T00:00:00Z) or epoch milliseconds',
        },
      ],
    }),
  ),
  {
    name: 'at fractional epoch',
    base: mission,
    change: (c) => (c.at = 1.5),
    problems: [
      {
        field: 'at',
        reason:
          'must be an ISO 8601 timestamp with a time zone (2030-01-01T00:00:00Z) or epoch milliseconds',
      },
    ],
  },
  {
    name: 'idempotency key with a space',
    base: mission,
    change: (c) => (c.idempotency_key = 'a b'),
    problems: [
      {
        field: 'idempotency_key',
        reason: 'must contain only printable ASCII characters without spaces',
      },
    ],
  },
  {
    name: 'expected_version 0',
    base: { type: 'PauseMission', mission_id: 'm-1', at: at(1) },
    change: (c) => (c.expected_version = 0),
    problems: [{ field: 'expected_version', reason: 'must be an integer of at least 1' }],
  },
  {
    name: 'action without mission id',
    base: { type: 'CancelMission', mission_id: 'm-1', at: at(1) },
    change: (c) => delete c.mission_id,
    problems: [{ field: 'mission_id', reason: 'is required' }],
  },
  // progress
  {
    name: 'progress above 1',
    base: progress('m-1', 0.5),
    change: (c) => (c.progress = 1.01),
    problems: [{ field: 'progress', reason: 'must be between 0 and 1' }],
  },
  {
    name: 'progress below 0',
    base: progress('m-1', 0.5),
    change: (c) => (c.progress = -0.1),
    problems: [{ field: 'progress', reason: 'must be between 0 and 1' }],
  },
  {
    name: 'progress missing',
    base: progress('m-1', 0.5),
    change: (c) => delete c.progress,
    problems: [{ field: 'progress', reason: 'is required' }],
  },
  {
    name: 'progress ending in an unknown state',
    base: progress('m-1', 0.5),
    change: (c) => (c.state = 'PAUSED'),
    problems: [{ field: 'state', reason: 'must be one of SUCCEEDED, FAILED' }],
  },
  // UAVs
  {
    name: 'uav id missing',
    base: registerUav('uav-1'),
    change: (c) => delete c.uav_id,
    problems: [{ field: 'uav_id', reason: 'is required' }],
  },
  {
    name: 'registration as BUSY',
    base: registerUav('uav-1'),
    change: (c) => (c.status = 'BUSY'),
    problems: [{ field: 'status', reason: 'must be one of ONLINE, IDLE, ERROR' }],
  },
  {
    name: 'battery above 100',
    base: registerUav('uav-1'),
    change: (c) => (c.battery = 101),
    problems: [{ field: 'battery', reason: 'must be between 0 and 100 (percent)' }],
  },
  {
    name: 'negative max speed',
    base: registerUav('uav-1'),
    change: (c) => (c.capabilities = { max_speed: -1 }),
    problems: [{ field: 'capabilities.max_speed', reason: 'must be of at least 0' }],
  },
  {
    name: 'metadata with a NUL character in a nested key',
    base: registerUav('uav-1'),
    change: (c) => (c.metadata = { model: { 'a\u0000': 1 } }),
    problems: [
      {
        field: 'metadata',
        reason:
          'must be plain JSON: finite numbers, at most 20 levels deep, no NUL characters or unpaired surrogates in text',
      },
    ],
  },
  {
    name: 'metadata not an object',
    base: registerUav('uav-1'),
    change: (c) => (c.metadata = ['FM-4']),
    problems: [{ field: 'metadata', reason: 'must be an object' }],
  },
  {
    name: 'position out of range',
    base: registerUav('uav-1'),
    change: (c) => (c.position = { lat: 91, lon: 0 }),
    problems: [{ field: 'position.lat', reason: 'must be between -90 and 90' }],
  },
  {
    name: 'sync without reports',
    base: sync,
    change: (c) => (c.reports = []),
    problems: [{ field: 'reports', reason: 'must hold at least one report' }],
  },
  {
    name: 'sync report with an unknown status',
    base: sync,
    change: (c) => ((c.reports as Array<{ status: string }>)[0].status = 'FLYING'),
    problems: [
      { field: 'reports[0].status', reason: 'must be one of ONLINE, IDLE, BUSY, OFFLINE, ERROR' },
    ],
  },
  {
    name: 'sync report without heartbeat time',
    base: sync,
    change: (c) => delete (c.reports as Array<{ heartbeat_at?: string }>)[0].heartbeat_at,
    problems: [{ field: 'reports[0].heartbeat_at', reason: 'is required' }],
  },
  {
    name: 'sync report with a bad position',
    base: sync,
    change: (c) => ((c.reports as Array<{ position: unknown }>)[0].position = { lat: 0, lon: 200 }),
    problems: [{ field: 'reports[0].position.lon', reason: 'must be between -180 and 180' }],
  },
  {
    name: 'offline with no ids',
    base: offline,
    change: (c) => (c.uav_ids = []),
    problems: [{ field: 'uav_ids', reason: 'must list at least one UAV' }],
  },
  {
    name: 'offline with a bad cut-off',
    base: offline,
    change: (c) => (c.stale_before = 'soon'),
    problems: [
      {
        field: 'stale_before',
        reason:
          'must be an ISO 8601 timestamp with a time zone (2030-01-01T00:00:00Z) or epoch milliseconds',
      },
    ],
  },
  {
    name: 'unknown command type',
    base: offline,
    change: (c) => (c.type = 'LaunchRocket'),
    problems: [{ field: 'type', reason: 'is not a known fleet command ("LaunchRocket")' }],
  },
];

describe('validateFleetCommand', () => {
  for (const command of VALID) {
    it(`accepts a valid ${command.type}`, () => {
      assert.deepEqual(validateFleetCommand(command), []);
    });
  }

  for (const c of CASES) {
    it(`refuses: ${c.name}`, () => {
      assert.deepEqual(validateFleetCommand(mutated(c.base, c.change)), c.problems);
    });
  }

  it('reports every problem at once', () => {
    const problems = validateFleetCommand(
      mutated(mission, (c) => {
        c.name = '';
        c.priority = 0.5;
        c.mission_type = 'X';
      }),
    );
    assert.deepEqual(
      problems.map((p) => p.field),
      ['name', 'mission_type', 'priority'],
    );
  });

  it('refuses something that is not an object', () => {
    assert.deepEqual(validateFleetCommand(null), [{ field: '', reason: 'must be an object' }]);
  });

  it('tells ISO timestamps with a zone and epoch milliseconds from anything else', () => {
    for (const good of [
      '2030-01-01T00:00:00Z',
      '2030-01-01T00:00:00.123+02:00',
      '2028-02-29T12:00Z',
      0,
    ])
      assert.equal(isCommandTimestamp(good), true, String(good));
    for (const bad of ['2029-02-29T12:00:00Z', '2030-01-01', -1, 253402300800000, Infinity, null])
      assert.equal(isCommandTimestamp(bad), false, String(bad));
  });
});

describe('encodeFleetCommand / decodeFleetCommand', () => {
  it('round-trips every valid command, with v: 1 first', () => {
    for (const command of VALID) {
      const bytes = encodeFleetCommand(command);
      assert.match(new TextDecoder().decode(bytes), /^\{"v":1,"type":/);
      assert.deepEqual(decodeFleetCommand(bytes), JSON.parse(JSON.stringify(command)));
    }
  });

  const refusals: Array<[string, string, RegExp]> = [
    ['not JSON', '{nope', /not UTF-8 JSON/],
    ['an array', '[1]', /not a JSON object/],
    ['an unknown version', '{"v":2,"type":"CreateMission"}', /unknown fleet command version 2/],
    ['no version', '{"type":"CreateMission"}', /unknown fleet command version undefined/],
    ['an unknown type', '{"v":1,"type":"Explode"}', /unknown fleet command type "Explode"/],
    [
      'invalid fields',
      '{"v":1,"type":"PauseMission","mission_id":"m-1"}',
      /invalid PauseMission command: at: is required/,
    ],
  ];
  for (const [name, text, message] of refusals) {
    it(`throws a clear error on ${name}`, () => {
      assert.throws(
        () => decodeFleetCommand(encoder.encode(text)),
        (error: unknown) => error instanceof FleetCommandError && message.test(error.message),
      );
    });
  }

  it('lists the problems of an invalid command in the error', () => {
    try {
      decodeFleetCommand(encoder.encode('{"v":1,"type":"PauseMission","mission_id":"m-1"}'));
      assert.fail('decoded');
    } catch (error) {
      assert.deepEqual((error as FleetCommandError).problems, [
        { field: 'at', reason: 'is required' },
      ]);
    }
  });

  it('refuses bytes that are not UTF-8', () => {
    assert.throws(() => decodeFleetCommand(new Uint8Array([0xff, 0xfe])), FleetCommandError);
  });
});

describe('prepareFleetCommand', () => {
  const context = { now: () => 1_900_000_000_000, newId: () => 'generated-id' };

  it('stamps the time and a new mission id', () => {
    const { at: _at, mission_id: _id, ...draft } = createMission('x');
    const prepared = prepareFleetCommand(draft, context);
    assert.ok(prepared.ok);
    assert.equal(prepared.command.at, 1_900_000_000_000);
    assert.equal((prepared.command as { mission_id: string }).mission_id, 'generated-id');
    assert.deepEqual(decodeFleetCommand(prepared.payload), prepared.command);
  });

  it('keeps a client-supplied mission id and time', () => {
    const prepared = prepareFleetCommand(createMission('client-1'), context);
    assert.ok(prepared.ok);
    assert.equal((prepared.command as { mission_id: string }).mission_id, 'client-1');
    assert.equal(prepared.command.at, at(0));
  });

  it('derives the mission id from the idempotency key, so that a retry lands on the same mission', () => {
    const { at: _at, mission_id: _id, ...draft } = createMission('x', { idempotency_key: 'k-7' });
    const first = prepareFleetCommand(draft, { ...context, newId: () => 'one' });
    const second = prepareFleetCommand(draft, { now: () => 5, newId: () => 'two' });
    assert.ok(first.ok && second.ok);
    const id = missionIdForIdempotencyKey('k-7');
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal((first.command as { mission_id: string }).mission_id, id);
    assert.equal((second.command as { mission_id: string }).mission_id, id);
  });

  it('gives the field problems instead of a command', () => {
    const prepared = prepareFleetCommand(
      { type: 'ReportMissionProgress', mission_id: 'm', progress: 2 },
      context,
    );
    assert.deepEqual(prepared, {
      ok: false,
      problems: [{ field: 'progress', reason: 'must be between 0 and 1' }],
    });
  });
});
