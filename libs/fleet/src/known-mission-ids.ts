import type { EntityManager } from 'typeorm';

/**
 * The ids of the missions in the `missions` table, kept by the applier so that a create of a new
 * id is decided without asking PostgreSQL: its outcome is then known before the batch's only round
 * trip, and its `INSERT` goes with the `COMMIT` (docs/performance.md, "The eighth round").
 *
 * It must be exactly the table's ids at the start of every run, on every node: it is read from the
 * table (in the run's transaction) when it is not known, kept by each insert and delete the applier
 * makes, and forgotten whenever the table may have changed otherwise (a batch rolled back, a
 * snapshot installed, a command applied on its own). The `INSERT` of a create decided here has no
 * `ON CONFLICT`: if the set were ever wrong, the batch would fail rather than store a different
 * outcome than the one given.
 */
export class KnownMissionIds {
  private ids: Set<string> | undefined;

  /** Reads the ids unless they are known. */
  async load(db: EntityManager): Promise<void> {
    if (this.ids !== undefined) return;
    const rows = await db.query<Array<{ mission_id: string }>>('SELECT mission_id FROM missions');
    this.ids = new Set(rows.map((row) => row.mission_id));
  }

  /** Whether the set is loaded and says `id` is not a mission. */
  isNew(id: string): boolean {
    return this.ids !== undefined && !this.ids.has(id);
  }

  added(id: string): void {
    this.ids?.add(id);
  }

  deleted(id: string): void {
    this.ids?.delete(id);
  }

  forget(): void {
    this.ids = undefined;
  }
}
