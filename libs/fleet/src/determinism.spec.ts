import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SeededRandom } from '@falconmind/raft';
import { encodeFleetCommand, FleetCommand, UavStateReport } from './commands';
import { MISSION_TYPES, SEARCH_PATTERNS, UAV_STATUSES } from './model';
import { FleetApplyOutcome } from './rejection';
import { FleetNode, SQUARE, T0 } from './testing/fleet-test-kit';
import { captureSnapshot } from '@falconmind/consensus/testing/captured-snapshot';

/**
 * Every node applies the same log to the same tables: a seeded log of a few hundred commands
 * (valid and invalid, repeats, conflicts) applied on three fresh databases in different batch
 * sizes, and on a fourth restored from a snapshot taken half-way, gives byte-identical tables.
 */

const LOG_LENGTH = 400;
const SEED = 20300101;

const encoder = new TextEncoder();

function seededLog(seed: number, length: number): Uint8Array[] {
  const random = new SeededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[random.nextInt(items.length)];
  const chance = (p: number): boolean => random.nextFloat() < p;
  const missions = Array.from({ length: 16 }, (_, i) => `m-${i}`);
  const uavs = Array.from({ length: 10 }, (_, i) => `u-${i}`);
  const keys = Array.from({ length: 80 }, (_, i) => `key-${i}`);
  let now = T0;
  const time = (): number => (now += random.nextInt(5000));
  const subset = (items: readonly string[], max: number): string[] => {
    const chosen = new Set<string>();
    const count = 1 + random.nextInt(max);
    while (chosen.size < count) chosen.add(pick(items));
    return [...chosen];
  };
  const common = (): { at: number; expected_version?: number; idempotency_key?: string } => ({
    at: time(),
    ...(chance(0.2) ? { expected_version: 1 + random.nextInt(4) } : {}),
    ...(chance(0.25) ? { idempotency_key: pick(keys) } : {}),
  });

  const log: Uint8Array[] = [];
  const history: FleetCommand[] = [];
  for (let i = 0; i < length; i++) {
    const roll = random.nextInt(100);
    let command: FleetCommand | Uint8Array;
    if (roll < 8 && history.length > 0) {
      // A client's retry: an earlier request again, taken later.
      const keyed = history.filter((earlier) => 'idempotency_key' in earlier);
      command = { ...pick(keyed.length > 0 && chance(0.7) ? keyed : history), at: time() };
    } else if (roll < 14) {
      command = {
        type: 'RegisterUav',
        uav_id: pick(uavs),
        ...(chance(0.3) ? { status: pick(['ONLINE', 'IDLE', 'ERROR'] as const) } : {}),
        ...(chance(0.5) ? { battery: random.nextInt(1001) / 10 } : {}),
        ...(chance(0.3) ? { metadata: { model: pick(['FM-4', 'FM-5']) } } : {}),
        at: time(),
      };
    } else if (roll < 28) {
      const missionType = pick(MISSION_TYPES);
      const pattern = pick(SEARCH_PATTERNS);
      command = {
        type: 'CreateMission',
        mission_id: pick(missions),
        name: `search ${random.nextInt(3)}`,
        mission_type: missionType,
        uav_list: missionType === 'SINGLE_UAV' ? [pick(uavs)] : subset(uavs, 3),
        payload:
          pattern === 'WAYPOINT_LIST'
            ? {
                waypoints: [{ lat: 47 + random.nextFloat() / 10, lon: 8.25, alt: 100 }],
                search_params: { pattern },
              }
            : {
                search_area: SQUARE,
                search_params: { pattern, spacing: 1 + random.nextInt(50), overlap: 0.25 },
              },
        priority: random.nextInt(5) - 2,
        at: time(),
        ...(chance(0.15) ? { idempotency_key: pick(keys) } : {}),
      };
    } else if (roll < 70) {
      const type = pick([
        'DispatchMission',
        'DispatchMission',
        'PauseMission',
        'ResumeMission',
        'CancelMission',
        'DeleteMission',
      ] as const);
      command = { type, mission_id: pick(missions), ...common() };
    } else if (roll < 80) {
      command = {
        type: 'ReportMissionProgress',
        mission_id: pick(missions),
        progress: random.nextInt(101) / 100,
        ...(chance(0.3) ? { state: pick(['SUCCEEDED', 'FAILED'] as const) } : {}),
        ...common(),
      };
    } else if (roll < 88) {
      const at = time();
      command = {
        type: 'SyncUavStates',
        at,
        reports: subset([...uavs, 'u-unknown'], 5).map((uavId): UavStateReport => ({
          uav_id: uavId,
          heartbeat_at: at - random.nextInt(20000),
          ...(chance(0.3) ? { status: pick(UAV_STATUSES) } : {}),
          ...(chance(0.5) ? { battery: random.nextInt(101) } : {}),
          ...(chance(0.4)
            ? {
                position: { lat: random.nextInt(1800) / 20 - 45, lon: 8, alt: random.nextInt(300) },
              }
            : {}),
        })),
      };
    } else if (roll < 94) {
      const at = time();
      command = {
        type: 'MarkUavsOffline',
        uav_ids: subset(uavs, 4),
        at,
        ...(chance(0.5) ? { stale_before: at - 60000 } : {}),
      };
    } else {
      // Invalid: another version, not JSON, a field out of range, an unknown type.
      command = encoder.encode(
        pick([
          '{"v":2,"type":"DispatchMission","mission_id":"m-1","at":0}',
          'not json',
          `{"v":1,"type":"ReportMissionProgress","mission_id":"m-1","progress":1.5,"at":${time()}}`,
          `{"v":1,"type":"LaunchMission","mission_id":"m-1","at":${time()}}`,
        ]),
      );
    }
    if (command instanceof Uint8Array) {
      log.push(command);
    } else {
      history.push(command);
      log.push(encodeFleetCommand(command));
    }
  }
  return log;
}

/** Applies the log in batches whose sizes come from `batchSize`. */
async function applyInBatches(
  node: FleetNode,
  log: readonly Uint8Array[],
  batchSize: () => number,
): Promise<FleetApplyOutcome[]> {
  const outcomes: FleetApplyOutcome[] = [];
  for (let start = 0; start < log.length;) {
    const batch = log.slice(start, start + batchSize());
    outcomes.push(...(await node.applyAll(batch)));
    start += batch.length;
  }
  return outcomes;
}

describe('determinism', () => {
  const nodes: FleetNode[] = [];

  before(async () => {
    for (let i = 0; i < 4; i++) nodes.push(await FleetNode.create());
  });

  after(async () => {
    for (const node of nodes) await node.drop();
  });

  it('gives byte-identical tables on every node, and after a snapshot half-way', async () => {
    const log = seededLog(SEED, LOG_LENGTH);
    const [a, b, c, d] = nodes;
    const half = LOG_LENGTH / 2;

    const outcomesA = await applyInBatches(a, log.slice(0, half), () => 1);
    const image = await captureSnapshot(a.machine);
    assert.equal(image.index, half);
    outcomesA.push(...(await applyInBatches(a, log.slice(half), () => 1)));

    const sizes = new SeededRandom(SEED + 1);
    const outcomesB = await applyInBatches(b, log, () => 1 + sizes.nextInt(17));
    const outcomesC = await applyInBatches(c, log, () => 100);

    await d.applyAll(log.slice(0, 7)); // some state of its own, replaced by the snapshot
    await d.machine.restore(image.index, image.replay());
    await d.resync();
    assert.equal(d.appliedIndex, half);
    const outcomesD = await applyInBatches(d, log.slice(half), () => 25);

    // The same decisions everywhere.
    assert.deepEqual(outcomesB, outcomesA);
    assert.deepEqual(outcomesC, outcomesA);
    assert.deepEqual(outcomesD, outcomesA.slice(half));

    // The same bytes everywhere.
    const dumpA = await a.dump();
    for (const node of [b, c, d]) assert.deepEqual(await node.dump(), dumpA);
    for (const node of nodes) assert.equal(await node.machine.appliedIndex(), LOG_LENGTH);

    // The log exercised what it should: state in every table, applied and refused commands of each kind.
    assert.ok(
      dumpA.missions.length > 0 && dumpA.uavs.length > 0 && dumpA.fleet_idempotency.length > 0,
    );
    const statuses = outcomesA.map((o) => (o.status === 'applied' ? 'applied' : o.code));
    for (const kind of ['applied', 'invalid', 'not_found', 'conflict', 'version_mismatch']) {
      assert.ok(statuses.includes(kind as never), `the log has ${kind} outcomes`);
    }
    assert.ok(outcomesA.some((o) => o.status === 'applied' && o.replayed));
    const states = new Set(
      dumpA.missions.map((row) => (JSON.parse(row) as { state: string }).state),
    );
    assert.ok(states.size >= 3, `missions end in several states (${[...states].join(', ')})`);
  });
});
