import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CommandApplier } from '@falconmind/consensus';
import type { TestDatabase } from '@falconmind/consensus/testing/test-database';
import { TypeormStateMachine } from '@falconmind/consensus/typeorm-state-machine';
import { SeededRandom } from '@falconmind/raft';
import { encodeFleetCommand, FleetCommand, UavStateReport } from './commands';
import { FleetApplier } from './fleet-applier';
import { MISSION_TYPES, UAV_STATUSES } from './model';
import { createFleetDatabase, dumpFleet, entryOf, SQUARE, T0 } from './testing/fleet-test-kit';

/**
 * `FleetApplier.applyRun` must do exactly what `apply` does for each command in turn. Seeded logs
 * rich in what a run batches (bursts of creates with repeated mission ids and repeated idempotency
 * keys, mixed with lifecycle actions, UAV registrations, syncs, offline marks, acknowledgements and
 * flags of the outbox) are applied once entry by entry through `apply` and once through `applyRun`
 * in random run lengths, into two databases: the outcomes (as JSON text) and every table must match.
 */

const SEEDS = [1, 2, 3, 4];
/** Not drawn from the seed, so that the seeded logs stay those whose coverage is checked below. */
const UNUSUAL_NAMES = ["O'Brien's", 'back\\slash', '"naïve" ✈'];
const LOG_LENGTH = 400;

function seededLog(seed: number, length: number): Uint8Array[] {
  const random = new SeededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[random.nextInt(items.length)];
  const chance = (p: number): boolean => random.nextFloat() < p;
  const missions = Array.from({ length: 8 }, (_, i) => `m-${i}`);
  const uavs = Array.from({ length: 4 }, (_, i) => `u-${i}`);
  const keys = Array.from({ length: 60 }, (_, i) => `key-${i}`);
  let now = T0;
  const time = (): number => (now += random.nextInt(3000));
  const key = (p: number): { idempotency_key?: string } =>
    chance(p) ? { idempotency_key: pick(keys) } : {};
  const dispatchIndexes: number[] = [];
  const history: FleetCommand[] = [];
  const log: Uint8Array[] = [];

  let creates = 0;
  const create = (): FleetCommand => {
    const missionType = pick(MISSION_TYPES);
    return {
      type: 'CreateMission',
      mission_id: pick(missions),
      // Quotes, a backslash and characters beyond ASCII: the events' rows are written as literals.
      name: `search ${random.nextInt(2)} ${UNUSUAL_NAMES[creates++ % UNUSUAL_NAMES.length]}`,
      mission_type: missionType,
      uav_list:
        missionType === 'SINGLE_UAV' ? [pick(uavs)] : [pick(uavs.slice(0, 4)), pick(uavs.slice(4))],
      payload: {
        search_area: SQUARE,
        search_params: { pattern: 'LAWN_MOWER', spacing: 1 + random.nextInt(3), overlap: 0.25 },
      },
      priority: random.nextInt(3),
      at: time(),
      ...key(0.4),
    };
  };
  const next = (index: number): FleetCommand => {
    const roll = random.nextInt(100);
    if (roll < 12 && history.length > 0) {
      // A client's retry: a recent request again (mostly a keyed one), taken later.
      const recent = history.slice(-30);
      const keyed = recent.filter((earlier) => 'idempotency_key' in earlier);
      return { ...pick(keyed.length > 0 && chance(0.8) ? keyed : recent), at: time() };
    }
    if (roll < 30) return create();
    if (roll < 38) {
      return {
        type: 'RegisterUav',
        uav_id: pick(uavs),
        ...(chance(0.3) ? { status: pick(['ONLINE', 'IDLE', 'ERROR'] as const) } : {}),
        ...(chance(0.5)
          ? { capabilities: { max_speed: 10 + random.nextInt(20), max_altitude: 400 } }
          : {}),
        ...(chance(0.2) ? { expected_version: 1 + random.nextInt(3) } : {}),
        at: time(),
        ...key(0.3),
      };
    }
    if (roll < 65) {
      const type = pick([
        'DispatchMission',
        'DispatchMission',
        'PauseMission',
        'ResumeMission',
        'CancelMission',
        'DeleteMission',
      ] as const);
      if (type === 'DispatchMission') dispatchIndexes.push(index);
      return {
        type,
        mission_id: pick(missions),
        at: time(),
        ...(chance(0.15) ? { expected_version: 1 + random.nextInt(3) } : {}),
        ...key(0.3),
      };
    }
    if (roll < 73) {
      return {
        type: 'ReportMissionProgress',
        mission_id: pick(missions),
        progress: random.nextInt(101) / 100,
        ...(chance(0.3) ? { state: pick(['SUCCEEDED', 'FAILED'] as const) } : {}),
        at: time(),
        ...key(0.3),
      };
    }
    if (roll < 81) {
      const at = time();
      return {
        type: 'SyncUavStates',
        at,
        reports: [pick(uavs), pick(uavs), 'u-unknown'].map((uavId): UavStateReport => ({
          uav_id: uavId,
          heartbeat_at: at - random.nextInt(20000),
          ...(chance(0.3) ? { status: pick(UAV_STATUSES) } : {}),
          ...(chance(0.5) ? { battery: random.nextInt(101) } : {}),
        })),
      };
    }
    if (roll < 86) {
      const at = time();
      return {
        type: 'MarkUavsOffline',
        uav_ids: [pick(uavs), pick(uavs)],
        at,
        ...(chance(0.5) ? { stale_before: at - 10000 } : {}),
      };
    }
    // The outbox: commands of earlier dispatches (their ids are "<index>-<position>"), or none.
    const commandId =
      dispatchIndexes.length > 0 && chance(0.8)
        ? `${pick(dispatchIndexes)}-${1 + random.nextInt(2)}`
        : '999999-1';
    const uavId = pick(uavs);
    if (roll < 97) {
      return {
        type: 'AckUavCommand',
        command_id: commandId,
        uav_id: uavId,
        status: pick(['executed', 'duplicate'] as const),
        ...(chance(0.2) ? { seq: 1 + random.nextInt(2) } : {}),
        at: time(),
      };
    }
    return { type: 'FlagUavCommand', command_id: commandId, uav_id: uavId, tries: 3, at: time() };
  };

  for (const uavId of uavs)
    log.push(encodeFleetCommand({ type: 'RegisterUav', uav_id: uavId, at: time() }));
  while (log.length < length) {
    // Bursts of creates: what one INSERT takes.
    const burst = chance(0.15) ? 2 + random.nextInt(8) : 1;
    for (let i = 0; i < burst && log.length < length; i++) {
      const command = burst > 1 ? create() : next(log.length + 1);
      history.push(command);
      log.push(encodeFleetCommand(command));
    }
    if (chance(0.03)) log.push(new TextEncoder().encode('not json'));
  }
  return log;
}

/** `apply` only: the state machine applies each command on its own. */
function oneByOne(applier: FleetApplier): CommandApplier {
  return {
    tables: applier.tables,
    apply: (manager, entry, envelope) => applier.apply(manager, entry, envelope),
  };
}

describe('FleetApplier.applyRun', () => {
  const databases: TestDatabase[] = [];
  const seen = new Set<string>();

  before(async () => {
    for (let i = 0; i < 2; i++) databases.push(await createFleetDatabase());
  });

  after(async () => {
    for (const database of databases) await database.drop();
  });

  for (const seed of SEEDS) {
    it(`gives what apply gives one by one: outcomes and every table (seed ${seed})`, async () => {
      const [single, runs] = databases;
      for (const database of databases) {
        await database.dataSource.query(
          'TRUNCATE missions, uavs, fleet_idempotency, fleet_events, uav_commands, raft_applied_state',
        );
      }
      const sequential = new TypeormStateMachine(single.dataSource, oneByOne(new FleetApplier()));
      const batched = new TypeormStateMachine(runs.dataSource, new FleetApplier());
      const entries = seededLog(seed, LOG_LENGTH).map((payload, i) => entryOf(i + 1, payload));

      const expected = [];
      for (const entry of entries) expected.push(...(await sequential.apply([entry])));
      const actual = [];
      const lengths = new SeededRandom(seed + 1000);
      for (let start = 0; start < entries.length;) {
        const run = entries.slice(start, start + 1 + lengths.nextInt(80));
        actual.push(...(await batched.apply(run)));
        start += run.length;
      }

      assert.equal(JSON.stringify(actual), JSON.stringify(expected));
      const [want, got] = [await dumpFleet(single), await dumpFleet(runs)];
      assert.deepEqual(got, want);

      // What the log exercised, checked over all seeds below.
      for (const outcome of expected.map((o) => JSON.stringify(o))) {
        if (outcome.includes('"replayed":true')) seen.add('idempotent repeat');
        if (outcome.includes('already exists and was created with a different body')) {
          seen.add('create of an existing id with another body');
        }
        if (outcome.includes('was already used for a different request')) seen.add('key reused');
      }
      if (want.uav_commands.some((row) => row.includes('"state":"ACKED"'))) seen.add('ack');
      if (want.uav_commands.some((row) => row.includes('"state":"FLAGGED"'))) seen.add('flag');
      if (want.fleet_events.length > 0) seen.add('events');
    });
  }

  it('the seeded logs exercised what a run batches', () => {
    for (const kind of [
      'idempotent repeat',
      'create of an existing id with another body',
      'key reused',
      'ack',
      'flag',
      'events',
    ]) {
      assert.ok(seen.has(kind), `some log has a ${kind}`);
    }
  });
});
