import type { EntityManager } from 'typeorm';
import type { FleetEventDraft } from './fleet-event';
import { FLEET_EVENT_PRUNE_INTERVAL, FLEET_EVENT_RETENTION_ENTRIES } from './fleet-event-log';

/** Four parameters a row, well under PostgreSQL's 65,535 parameters per statement. */
const ROWS_PER_INSERT = 10_000;

/**
 * The events of a run of commands, written in one INSERT at the end of the run instead of one per
 * entry. Nothing reads `fleet_events` while a command applies, so holding them back changes no
 * decision; the rows and the pruning are those `recordFleetEvents` gives entry by entry.
 */
export class FleetEventBuffer {
  private readonly rows: Array<{ index: number; position: number; event: FleetEventDraft }> = [];
  private pruneBound: number | undefined;

  /**
   * What `recordFleetEvents(db, index, events)` would store and prune, held back. Entries may come
   * out of log order (a run's creates settle together).
   */
  add(index: number, events: readonly FleetEventDraft[]): void {
    events.forEach((event, position) => this.rows.push({ index, position, event }));
    // Each DELETE takes everything at or below its bound, so the run's last one covers the others.
    if (index % FLEET_EVENT_PRUNE_INTERVAL === 0) {
      this.pruneBound = Math.max(
        this.pruneBound ?? -Infinity,
        index - FLEET_EVENT_RETENTION_ENTRIES,
      );
    }
  }

  /** Prunes, then stores what survives the pruning (as the entry-by-entry order would leave it). */
  async flush(db: EntityManager): Promise<void> {
    const bound = this.pruneBound;
    if (bound !== undefined) {
      await db.query('DELETE FROM fleet_events WHERE log_index <= $1', [bound]);
    }
    const kept = this.rows
      .filter(({ index }) => bound === undefined || index > bound)
      .sort((a, b) => a.index - b.index || a.position - b.position);
    // `data` is json (it keeps the text it was given), so each row goes in as its own parameter.
    for (let start = 0; start < kept.length; start += ROWS_PER_INSERT) {
      const rows: string[] = [];
      const params: unknown[] = [];
      for (const { index, position, event } of kept.slice(start, start + ROWS_PER_INSERT)) {
        params.push(index, position, event.type, JSON.stringify(event.data));
        const n = params.length;
        rows.push(`($${n - 3}::bigint, $${n - 2}::integer, $${n - 1}, $${n}::json)`);
      }
      await db.query(
        `INSERT INTO fleet_events (log_index, position, type, data) VALUES ${rows.join(', ')}`,
        params,
      );
    }
    this.rows.length = 0;
    this.pruneBound = undefined;
  }
}
