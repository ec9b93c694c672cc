import type { EntityManager } from 'typeorm';
import type { FleetQueryable } from '../queries';
import {
  FleetEvent,
  FleetEventData,
  FleetEventDraft,
  FleetEventPosition,
  FleetEventType,
  fleetEventId,
} from './fleet-event';

/**
 * Events are kept for this many log entries after the entry that produced them, then pruned by
 * log index (so every node prunes the same events at the same index). The log itself keeps far
 * fewer entries at the default SNAPSHOT_THRESHOLD (10000, plus a tail of 5000 after compaction),
 * so a client can resume from any index a follower could still catch up from.
 */
export const FLEET_EVENT_RETENTION_ENTRIES = 100_000;

/** The most events one read returns; replay pages through them. */
export const FLEET_EVENT_PAGE_MAX = 1000;

/**
 * Stores the events of the entry at `index`, inside the batch's transaction: one statement, which
 * also prunes what fell out of the retention window. An entry without events writes nothing.
 */
export async function recordFleetEvents(
  db: EntityManager,
  index: number,
  events: readonly FleetEventDraft[],
): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((event, position) => ({ position, type: event.type, data: event.data }));
  await db.query(
    `WITH pruned AS (DELETE FROM fleet_events WHERE log_index <= $1)
     INSERT INTO fleet_events (log_index, position, type, data)
     SELECT $2, e.position, e.type, e.data
     FROM json_to_recordset($3::json) AS e(position integer, type text, data json)`,
    [index - FLEET_EVENT_RETENTION_ENTRIES, index, JSON.stringify(rows)],
  );
}

interface FleetEventRow {
  log_index: string;
  position: number;
  type: FleetEventType;
  data: FleetEventData;
}

/**
 * Events strictly after `after`, in log order, at most `limit` of them, none past log index
 * `upToIndex` when given (so a reader sees whole entries up to what the node has applied).
 */
export async function readFleetEvents(
  db: FleetQueryable,
  after: FleetEventPosition,
  limit: number,
  upToIndex?: number,
): Promise<FleetEvent[]> {
  const rows = await db.query<FleetEventRow[]>(
    `SELECT log_index, position, type, data FROM fleet_events
     WHERE (log_index, position) > ($1::bigint, $2::integer)
       AND ($3::bigint IS NULL OR log_index <= $3::bigint)
     ORDER BY log_index, position
     LIMIT $4`,
    [
      after.index,
      Math.min(after.position, 2_147_483_647),
      upToIndex ?? null,
      Math.min(limit, FLEET_EVENT_PAGE_MAX),
    ],
  );
  return rows.map((row) => {
    const index = Number(row.log_index);
    return {
      id: fleetEventId(index, row.position),
      index,
      position: row.position,
      type: row.type,
      data: row.data,
    };
  });
}
