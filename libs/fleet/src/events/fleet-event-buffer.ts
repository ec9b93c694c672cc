import { sqlLiteral } from '../sql-literal';
import type { FleetEventDraft } from './fleet-event';
import { FLEET_EVENT_PRUNE_INTERVAL, FLEET_EVENT_RETENTION_ENTRIES } from './fleet-event-log';

/** Rows per INSERT statement: keeps one statement's text to a few megabytes. */
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

  /**
   * The statements that prune, then store what survives the pruning (as the entry-by-entry order
   * would leave it), emptying the buffer: the applier leaves them to the commit (`CommitTail`), as
   * nothing reads their results. Values are literals: log indexes and
   * positions are integers of ours, and the type and the data go through `sqlLiteral`.
   */
  take(): string[] {
    const bound = this.pruneBound;
    const statements: string[] = [];
    if (bound !== undefined) {
      statements.push(`DELETE FROM fleet_events WHERE log_index <= ${integer(bound)}`);
    }
    const kept = this.rows
      .filter(({ index }) => bound === undefined || index > bound)
      .sort((a, b) => a.index - b.index || a.position - b.position);
    // `data` is json (it keeps the text it was given): each row's JSON text goes in as it is.
    for (let start = 0; start < kept.length; start += ROWS_PER_INSERT) {
      const rows = kept
        .slice(start, start + ROWS_PER_INSERT)
        .map(
          ({ index, position, event }) =>
            `(${integer(index)}, ${integer(position)}, ${sqlLiteral(event.type)}, ${sqlLiteral(JSON.stringify(event.data))}::json)`,
        );
      statements.push(
        `INSERT INTO fleet_events (log_index, position, type, data) VALUES ${rows.join(', ')}`,
      );
    }
    this.rows.length = 0;
    this.pruneBound = undefined;
    return statements;
  }
}

/** An integer of ours as SQL text; anything else is a bug, never written into a statement. */
function integer(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer for a statement: ${value}`);
  return String(value);
}
