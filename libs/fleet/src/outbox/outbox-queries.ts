import type { FleetQueryable } from '../queries';
import type { JsonValue } from '../model';
import {
  toUavCommandRow,
  UAV_COMMAND_COLUMNS,
  UavCommandRecord,
  UavCommandRow,
} from './uav-command';

/** A queue head without its mission details (read only for the heads about to be sent). */
export type UavCommandHead = Omit<UavCommandRow, 'mission'>;

/** One page of queue heads, and the range of UAV ids it covers. */
export interface UavCommandHeadsPage {
  readonly heads: UavCommandHead[];
  /** The page covers UAV ids above this one ('' for the first page). */
  readonly after: string;
  /** ... up to and including this one; null when the page reached the last UAV. */
  readonly through: string | null;
  /** Where the next page starts: `through`, or '' (from the first UAV again) after the last page. */
  readonly next: string;
}

const HEAD_COLUMNS = UAV_COMMAND_COLUMNS.replace('mission, ', '');

/**
 * The heads of the UAVs' queues (each UAV's pending command of lowest seq), one page at a time in
 * UAV id order: the leader sends only these, so a UAV gets its commands one at a time and in order.
 * Paging from a cursor that wraps around gives every UAV its turn however many have commands
 * waiting; the mission details stay unread (see {@link uavCommandMissions}).
 */
export async function pendingUavCommandHeads(
  db: FleetQueryable,
  after = '',
  limit = 2_000,
): Promise<UavCommandHeadsPage> {
  const rows = await db.query<UavCommandRecord[]>(
    `SELECT DISTINCT ON (uav_id) ${HEAD_COLUMNS}, NULL AS mission FROM uav_commands
     WHERE state = 'PENDING' AND uav_id > $1 ORDER BY uav_id, seq LIMIT $2`,
    [after, limit],
  );
  const heads: UavCommandHead[] = rows.map(toUavCommandRow);
  const last = heads.length === limit ? heads[heads.length - 1].uav_id : null;
  return { heads, after, through: last, next: last ?? '' };
}

/** The mission details of these commands (dispatches only have any), by command id. */
export async function uavCommandMissions(
  db: FleetQueryable,
  commandIds: readonly string[],
): Promise<Map<string, { readonly [key: string]: JsonValue }>> {
  if (commandIds.length === 0) return new Map();
  const rows = await db.query<Array<{ command_id: string; mission: { [key: string]: JsonValue } }>>(
    `SELECT command_id, mission FROM uav_commands
     WHERE command_id = ANY($1::text[]) AND mission IS NOT NULL`,
    [commandIds],
  );
  return new Map(rows.map((row) => [row.command_id, row.mission]));
}

/** Every command of a UAV, in seq order (tests, tools). */
export async function uavCommandsOf(db: FleetQueryable, uavId: string): Promise<UavCommandRow[]> {
  const rows = await db.query<UavCommandRecord[]>(
    `SELECT ${UAV_COMMAND_COLUMNS} FROM uav_commands WHERE uav_id = $1 ORDER BY seq`,
    [uavId],
  );
  return rows.map(toUavCommandRow);
}
