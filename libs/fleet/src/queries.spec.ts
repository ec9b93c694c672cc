import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FLEET_MIGRATIONS } from './fleet-migrations';
import { Mission, MissionState, Uav } from './model';
import {
  FleetQueryError,
  FleetReader,
  getMissionJson,
  getUavJson,
  ListMissionsQuery,
  listMissions,
  listUavs,
  parseListMissionsQuery,
  parseListUavsQuery,
} from './queries';
import {
  action,
  at,
  createMission,
  FleetNode,
  progress,
  registerUav,
} from './testing/fleet-test-kit';

let node: FleetNode;
let reader: FleetReader;

/** The missions created below, as [id, priority, seconds after T0, UAVs]. */
const MISSIONS: Array<[string, number, number, string[]]> = [
  ['a', 1, 5, ['u-1']],
  ['b', 5, 9, ['u-2']],
  ['c', 1, 5, ['u-1', 'u-2']],
  ['d', -3, 1, ['u-3']],
  ['e', 5, 2, ['u-1']],
  ['f', 1, 3, ['u-3', 'u-2']],
  ['g', 0, 7, ['u-4']],
  ['h', 1, 5, ['u-4']],
];

/** The expected list order: priority desc, created_at asc, mission_id asc. */
const ORDER = ['e', 'b', 'f', 'a', 'c', 'h', 'g', 'd'];

before(async () => {
  node = await FleetNode.create();
  reader = new FleetReader(node.database.dataSource);
  for (const id of ['u-1', 'u-2', 'u-3', 'u-4', 'u-5']) await node.ok(registerUav(id));
  for (const [id, priority, seconds, uavs] of MISSIONS) {
    await node.ok(
      createMission(id, {
        priority,
        at: at(seconds),
        mission_type: uavs.length === 1 ? 'SINGLE_UAV' : 'MULTI_UAV',
        uav_list: uavs,
      }),
    );
  }
  await node.ok(action('DispatchMission', 'b'));
  await node.ok(action('DispatchMission', 'h'));
  await node.ok(action('CancelMission', 'd'));
  await node.ok({ type: 'MarkUavsOffline', uav_ids: ['u-5'], at: at(60) });
});

after(async () => {
  await node.drop();
});

async function collect(query: ListMissionsQuery): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await listMissions(node.database.dataSource, { ...query, cursor });
    ids.push(...page.items.map((m) => m.mission_id));
    cursor = page.next_cursor ?? undefined;
    pages++;
    assert.ok(pages < 50, 'the cursor moves on');
  } while (cursor);
  return { ids, pages };
}

describe('reading missions', () => {
  it('gets a mission as the API shows it, or undefined', async () => {
    const mission = await reader.getMission('b');
    assert.ok(mission);
    assert.equal(mission.state, 'RUNNING');
    assert.equal(mission.created_at, at(9));
    assert.equal(mission.started_at, at(1));
    assert.equal(await reader.getMission('zzz'), undefined);
  });

  it('lists by priority (highest first), then oldest first, then id', async () => {
    const page = await reader.listMissions();
    assert.deepEqual(
      page.items.map((m) => m.mission_id),
      ORDER,
    );
    assert.equal(page.next_cursor, null);
  });

  for (const limit of [1, 2, 3, 7, 8]) {
    it(`pages through the same order with a cursor (limit ${limit})`, async () => {
      const { ids, pages } = await collect({ limit });
      assert.deepEqual(ids, ORDER);
      assert.equal(pages, Math.ceil(ORDER.length / limit));
    });
  }

  it('keeps the cursor stable when rows are added before it', async () => {
    const first = await listMissions(node.database.dataSource, { limit: 3 });
    assert.deepEqual(
      first.items.map((m) => m.mission_id),
      ['e', 'b', 'f'],
    );
    await node.ok(createMission('top', { priority: 100, at: at(1), uav_list: ['u-5'] }));
    const rest = await listMissions(node.database.dataSource, {
      limit: 10,
      cursor: first.next_cursor ?? undefined,
    });
    assert.deepEqual(
      rest.items.map((m) => m.mission_id),
      ORDER.slice(3),
    );
    await node.ok(action('DeleteMission', 'top'));
  });

  const filters: Array<[string, ListMissionsQuery, string[]]> = [
    ['state', { state: 'RUNNING' }, ['b', 'h']],
    ['state with nothing in it', { state: 'PAUSED' }, []],
    ['mission type', { mission_type: 'MULTI_UAV' }, ['f', 'c']],
    ['UAV', { uav_id: 'u-2' }, ['b', 'f', 'c']],
    ['UAV and state', { uav_id: 'u-1', state: 'PENDING' }, ['e', 'a', 'c']],
    ['all three', { uav_id: 'u-4', state: 'PENDING', mission_type: 'SINGLE_UAV' }, ['g']],
    ['unknown UAV', { uav_id: 'nobody' }, []],
  ];
  for (const [name, query, expected] of filters) {
    it(`filters by ${name}, in list order, one row per page too`, async () => {
      assert.deepEqual((await collect(query)).ids, expected);
      assert.deepEqual((await collect({ ...query, limit: 1 })).ids, expected);
    });
  }

  it('refuses a bad limit, filter or cursor with field problems', async () => {
    const bad: Array<[ListMissionsQuery, string]> = [
      [{ limit: 0 }, 'limit'],
      [{ limit: 501 }, 'limit'],
      [{ limit: 2.5 }, 'limit'],
      [{ state: 'FLYING' as MissionState }, 'state'],
      [{ cursor: 'not-a-cursor' }, 'cursor'],
      [{ cursor: Buffer.from('["x"]').toString('base64url') }, 'cursor'],
    ];
    for (const [query, field] of bad) {
      await assert.rejects(
        listMissions(node.database.dataSource, query),
        (error: unknown) =>
          error instanceof FleetQueryError && error.problems.some((p) => p.field === field),
      );
    }
  });

  it('parses a query string: limits as text, empty values as absent', () => {
    assert.deepEqual(parseListMissionsQuery({ limit: '20', state: 'RUNNING', uav_id: '' }), {
      ok: true,
      query: {
        state: 'RUNNING',
        mission_type: undefined,
        uav_id: undefined,
        limit: 20,
        cursor: undefined,
      },
    });
    assert.deepEqual(parseListMissionsQuery({ limit: 'ten', mission_type: 'SOLO' }), {
      ok: false,
      problems: [
        { field: 'mission_type', reason: 'must be one of SINGLE_UAV, MULTI_UAV, CLUSTER' },
        { field: 'limit', reason: 'must be an integer from 1 to 500' },
      ],
    });
    assert.deepEqual(parseListUavsQuery({}), {
      ok: true,
      query: { status: undefined, limit: 50, cursor: undefined },
    });
  });
});

describe('reading UAVs', () => {
  it('gets a UAV, or undefined', async () => {
    const uav = await reader.getUav('u-2');
    assert.ok(uav);
    assert.equal(uav.status, 'BUSY');
    assert.equal(uav.current_mission_id, 'b');
    assert.equal(await reader.getUav('u-9'), undefined);
  });

  it('lists UAVs by id, with a cursor and a status filter', async () => {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page: { items: Uav[]; next_cursor: string | null } = await listUavs(
        node.database.dataSource,
        { limit: 2, cursor },
      );
      ids.push(...page.items.map((u) => u.uav_id));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    assert.deepEqual(ids, ['u-1', 'u-2', 'u-3', 'u-4', 'u-5']);
    const busy = await reader.listUavs({ status: 'BUSY' });
    assert.deepEqual(
      busy.items.map((u) => u.uav_id),
      ['u-2', 'u-4'],
    );
    const offline = await reader.listUavs({ status: 'OFFLINE' });
    assert.deepEqual(
      offline.items.map((u) => u.uav_id),
      ['u-5'],
    );
    await assert.rejects(reader.listUavs({ cursor: '!!' }), FleetQueryError);
  });
});

describe('reading a record as its JSON text', () => {
  it('is the JSON of the record as the API shows it, for every mission and UAV', async () => {
    const db = node.database.dataSource;
    // Fractions, a position and a heartbeat, so that every kind of column is compared.
    await node.ok(progress('h', 0.37));
    await node.ok({
      type: 'SyncUavStates',
      at: at(70),
      reports: [
        {
          uav_id: 'u-2',
          heartbeat_at: at(69),
          battery: 57.5,
          position: { lat: 47.123456, lon: -8.5, alt: 120.25 },
        },
      ],
    });
    const missions = await listMissions(db, { limit: 500 });
    const uavs = await listUavs(db, { limit: 500 });
    assert.ok(missions.items.some((m) => m.started_at === null && m.completed_at === null));
    assert.ok(missions.items.some((m) => m.started_at !== null));
    assert.ok(missions.items.some((m) => m.progress === 0.37));
    assert.ok(uavs.items.some((u) => u.position !== null && u.last_heartbeat !== null));
    for (const mission of missions.items) {
      const record = await getMissionJson(db, mission.mission_id);
      assert.ok(record, mission.mission_id);
      assert.equal(record.version, mission.version);
      // The same values and the same key order, nested objects included.
      assert.equal(JSON.stringify(JSON.parse(record.json)), JSON.stringify(mission));
    }
    for (const uav of uavs.items) {
      const record = await getUavJson(db, uav.uav_id);
      assert.ok(record, uav.uav_id);
      assert.equal(record.version, uav.version);
      assert.equal(JSON.stringify(JSON.parse(record.json)), JSON.stringify(uav));
    }
    assert.equal(await getMissionJson(db, 'zzz'), undefined);
    assert.equal(await getUavJson(db, 'zzz'), undefined);
  });
});

describe('the migration', () => {
  it('creates the indexes every list filter uses', async () => {
    const rows = await node.database.dataSource.query<Array<{ indexname: string }>>(
      "SELECT indexname FROM pg_indexes WHERE tablename IN ('missions', 'uavs', 'fleet_idempotency') ORDER BY indexname",
    );
    assert.deepEqual(
      rows.map((r) => r.indexname),
      [
        'fleet_idempotency_applied_index_idx',
        'fleet_idempotency_pkey',
        'missions_mission_type_idx',
        'missions_order_idx',
        'missions_pkey',
        'missions_state_idx',
        'missions_uav_list_idx',
        'uavs_current_mission_id_idx',
        'uavs_pkey',
        'uavs_status_idx',
      ],
    );
  });

  it('filters missions by UAV through the GIN index', async () => {
    const runner = node.database.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SET enable_seqscan = off');
      const plan = (await runner.query(
        `EXPLAIN SELECT mission_id FROM missions WHERE uav_list @> '["u-1"]'::jsonb`,
      )) as Array<{ 'QUERY PLAN': string }>;
      assert.match(plan.map((r) => r['QUERY PLAN']).join('\n'), /missions_uav_list_idx/);
    } finally {
      await runner.release();
    }
  });

  it('goes down and up again', async () => {
    const other = await FleetNode.create();
    try {
      const source = other.database.dataSource;
      // The fleet's own migrations, whatever the node's other libraries migrate after them.
      const runner = source.createQueryRunner();
      try {
        for (const Migration of [...FLEET_MIGRATIONS].reverse()) await new Migration().down(runner);
        const left = await source.query<Array<{ tablename: string }>>(
          "SELECT tablename FROM pg_tables WHERE tablename IN ('missions', 'uavs', 'fleet_idempotency')",
        );
        assert.deepEqual(left, []);
        for (const Migration of FLEET_MIGRATIONS) await new Migration().up(runner);
      } finally {
        await runner.release();
      }
      const mission = await other.ok<Mission>(createMission('again'));
      assert.equal(mission.version, 1);
    } finally {
      await other.drop();
    }
  });
});
