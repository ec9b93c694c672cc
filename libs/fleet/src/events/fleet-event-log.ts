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
 * Old events are pruned at log indexes that are multiples of this: one DELETE per this many
 * entries, instead of one per entry (the write path pays for every statement).
 */
export const FLEET_EVENT_PRUNE_INTERVAL = 1000;

/**
 * Stores the events of the entry at `index`, inside the batch's transaction: one INSERT, none for
 * an entry without events. When `index` is a multiple of FLEET_EVENT_PRUNE_INTERVAL it also deletes
 * the events that fell out of the retention window. It is called for applied fleet commands only,
 * so a multiple whose entry is something else (a membership change, a leader's empty entry) prunes
 * nothing and the next one catches up: each DELETE takes everything below its bound. The rule
 * depends only on the log, so every node prunes the same rows at the same entry.
 */
export async function recordFleetEvents(
  db: EntityManager,
  index: number,
  events: readonly FleetEventDraft[],
): Promise<void> {
  if (events.length > 0) {
    const rows: string[] = [];
    const params: unknown[] = [index];
    events.forEach((event, position) => {
      params.push(event.type, JSON.stringify(event.data));
      rows.push(`($1, ${position}, $${params.length - 1}, $${params.length}::json)`);
    });
    await db.query(
      `INSERT INTO fleet_events (log_index, position, type, data) VALUES ${rows.join(', ')}`,
      params,
    );
  }
  if (index % FLEET_EVENT_PRUNE_INTERVAL === 0) {
    await db.query('DELETE FROM fleet_events WHERE log_index <= $1', [
      index - FLEET_EVENT_RETENTION_ENTRIES,
    ]);
  }
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
