/**
 * Test-only: a fleet state machine on a throwaway PostgreSQL database, driven the way a node drives
 * it (TypeormStateMachine + FleetApplier, entries in envelopes), and command builders.
 */
import { randomBytes } from 'node:crypto';
import { CONSENSUS_ENTITIES, CONSENSUS_MIGRATIONS } from '@falconmind/consensus/node-migrations';
import { encodeEnvelope } from '@falconmind/consensus/proposal-envelope';
import { TestDatabase } from '@falconmind/consensus/testing/test-database';
import { TypeormStateMachine } from '@falconmind/consensus/typeorm-state-machine';
import type { Entry } from '@falconmind/raft';
import {
  CreateMissionCommand,
  encodeFleetCommand,
  FleetCommand,
  MissionActionCommand,
  RegisterUavCommand,
} from '../commands';
import { FleetApplier } from '../fleet-applier';
import { FLEET_ENTITIES, FLEET_MIGRATIONS, FLEET_TABLES } from '../fleet-migrations';
import { FleetApplyOutcome } from '../rejection';

/** 2030-01-01T00:00:00Z: the tests' clock starts here. */
export const T0 = Date.UTC(2030, 0, 1);

export function createFleetDatabase(): Promise<TestDatabase> {
  return TestDatabase.create({
    migrations: [...CONSENSUS_MIGRATIONS, ...FLEET_MIGRATIONS],
    entities: [...CONSENSUS_ENTITIES, ...FLEET_ENTITIES],
  });
}

/** A request id for an envelope: random, as a node makes them (applying must not depend on it). */
function requestId(): string {
  return randomBytes(16).toString('hex');
}

export function entryOf(index: number, payload: Uint8Array): Entry {
  return {
    index,
    term: 1,
    type: 'normal',
    data: encodeEnvelope({ requestId: requestId(), payload }),
  };
}

/** Every fleet table as JSON text, one string per row in primary-key order. */
export async function dumpFleet(database: TestDatabase): Promise<Record<string, string[]>> {
  const keys: Record<(typeof FLEET_TABLES)[number], string> = {
    missions: 'mission_id',
    uavs: 'uav_id',
    fleet_idempotency: 'key',
    fleet_events: 'log_index, position',
    uav_commands: 'command_id',
  };
  const dump: Record<string, string[]> = {};
  for (const table of FLEET_TABLES) {
    const rows = await database.dataSource.query<Array<{ row: string }>>(
      `SELECT row_to_json(t)::text AS row FROM ${table} t ORDER BY ${keys[table]}`,
    );
    dump[table] = rows.map((r) => r.row);
  }
  return dump;
}

/** A node's state machine over a test database, applying one entry per call at the next index. */
export class FleetNode {
  readonly machine: TypeormStateMachine;
  private index = 0;

  constructor(readonly database: TestDatabase) {
    this.machine = new TypeormStateMachine(database.dataSource, new FleetApplier());
  }

  static async create(): Promise<FleetNode> {
    const node = new FleetNode(await createFleetDatabase());
    node.index = await node.machine.appliedIndex();
    return node;
  }

  get appliedIndex(): number {
    return this.index;
  }

  /** Applies commands (or raw payloads) as one batch of consecutive entries. */
  async applyAll(commands: ReadonlyArray<FleetCommand | Uint8Array>): Promise<FleetApplyOutcome[]> {
    const entries = commands.map((command) =>
      entryOf(++this.index, command instanceof Uint8Array ? command : encodeFleetCommand(command)),
    );
    try {
      return (await this.machine.apply(entries)) as FleetApplyOutcome[];
    } catch (error) {
      this.index = await this.machine.appliedIndex();
      throw error;
    }
  }

  async apply(command: FleetCommand | Uint8Array): Promise<FleetApplyOutcome> {
    return (await this.applyAll([command]))[0];
  }

  /** Like apply, but fails the test unless the command was applied; gives its result. */
  async ok<T = unknown>(command: FleetCommand): Promise<T> {
    const outcome = await this.apply(command);
    if (outcome.status !== 'applied') {
      throw new Error(`${command.type} was rejected: ${outcome.reason}`);
    }
    return outcome.result as T;
  }

  dump(): Promise<Record<string, string[]>> {
    return dumpFleet(this.database);
  }

  /** Re-reads the applied index after a restore. */
  async resync(): Promise<void> {
    this.index = await this.machine.appliedIndex();
  }

  drop(): Promise<void> {
    return this.database.drop();
  }
}

/** ISO time `seconds` after T0. */
export function at(seconds: number): string {
  return new Date(T0 + seconds * 1000).toISOString();
}

export const SQUARE = [
  { lat: 47.0, lon: 8.0 },
  { lat: 47.0, lon: 8.01 },
  { lat: 47.01, lon: 8.01 },
  { lat: 47.01, lon: 8.0 },
];

export function createMission(
  missionId: string,
  overrides: Partial<Omit<CreateMissionCommand, 'type'>> = {},
): CreateMissionCommand {
  return {
    type: 'CreateMission',
    mission_id: missionId,
    name: `Mission ${missionId}`,
    description: 'search the square',
    mission_type: 'SINGLE_UAV',
    uav_list: ['uav-1'],
    payload: {
      search_area: SQUARE,
      search_params: { pattern: 'LAWN_MOWER', altitude: 120, spacing: 30 },
    },
    priority: 0,
    at: at(0),
    ...overrides,
  };
}

export function registerUav(
  uavId: string,
  overrides: Partial<Omit<RegisterUavCommand, 'type'>> = {},
): RegisterUavCommand {
  return {
    type: 'RegisterUav',
    uav_id: uavId,
    capabilities: { max_altitude: 500, max_speed: 20 },
    metadata: { model: 'FM-4' },
    at: at(0),
    ...overrides,
  };
}

type ActionType = MissionActionCommand['type'];

/** A mission action (not a progress report) on `missionId`. */
export function action(
  type: Exclude<ActionType, 'ReportMissionProgress'>,
  missionId: string,
  overrides: { at?: string; expected_version?: number; idempotency_key?: string } = {},
): MissionActionCommand {
  return { type, mission_id: missionId, at: at(1), ...overrides };
}

export function progress(
  missionId: string,
  value: number,
  state?: 'SUCCEEDED' | 'FAILED',
  overrides: { at?: string; expected_version?: number; idempotency_key?: string } = {},
): MissionActionCommand {
  return {
    type: 'ReportMissionProgress',
    mission_id: missionId,
    progress: value,
    ...(state ? { state } : {}),
    at: at(2),
    ...overrides,
  };
}
