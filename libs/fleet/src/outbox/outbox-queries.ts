import type { FleetQueryable } from '../queries';
import {
  toUavCommandRow,
  UAV_COMMAND_COLUMNS,
  UavCommandRecord,
  UavCommandRow,
} from './uav-command';

/**
 * The head of each UAV's queue: its pending command of lowest seq. The leader sends only these, so
 * a UAV gets its commands one at a time and in order.
 */
export async function pendingUavCommandHeads(
  db: FleetQueryable,
  limit = 10_000,
): Promise<UavCommandRow[]> {
  const rows = await db.query<UavCommandRecord[]>(
    `SELECT DISTINCT ON (uav_id) ${UAV_COMMAND_COLUMNS} FROM uav_commands
     WHERE state = 'PENDING' ORDER BY uav_id, seq LIMIT $1`,
    [limit],
  );
  return rows.map(toUavCommandRow);
}

/** Every command of a UAV, in seq order (tests, tools). */
export async function uavCommandsOf(db: FleetQueryable, uavId: string): Promise<UavCommandRow[]> {
  const rows = await db.query<UavCommandRecord[]>(
    `SELECT ${UAV_COMMAND_COLUMNS} FROM uav_commands WHERE uav_id = $1 ORDER BY seq`,
    [uavId],
  );
  return rows.map(toUavCommandRow);
}
