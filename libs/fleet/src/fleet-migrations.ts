import { CreateFleetTables1795900000000 } from '../migrations/1795900000000-CreateFleetTables';
import { CreateFleetEvents1796100000000 } from '../migrations/1796100000000-CreateFleetEvents';
import { CreateUavCommandOutbox1796200000000 } from '../migrations/1796200000000-CreateUavCommandOutbox';

/** The migrations of the fleet's tables, in order (run after CONSENSUS_MIGRATIONS). */
export const FLEET_MIGRATIONS = [
  CreateFleetTables1795900000000,
  CreateFleetEvents1796100000000,
  CreateUavCommandOutbox1796200000000,
];

/** The fleet keeps its tables with SQL (see FleetApplier); it registers no TypeORM entities. */
export const FLEET_ENTITIES: Array<new () => unknown> = [];

/** The replicated tables, parents first: what snapshots copy. */
export const FLEET_TABLES = [
  'missions',
  'uavs',
  'fleet_idempotency',
  'fleet_events',
  'uav_commands',
] as const;
