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
/**
 * Beyond this many missions the set is not kept (an id costs about 90 bytes of heap, and a node's
 * heap is limited: libs/config's node-heap-limit.ts); creates then read the table, as they did
 * before the set existed.
 */
export const KNOWN_MISSION_IDS_LIMIT = 250_000;

export class KnownMissionIds {
  private ids: Set<string> | undefined;
  /** The table held more ids than the limit: the set is not kept until it is forgotten. */
  private tooMany = false;

  constructor(private readonly limit = KNOWN_MISSION_IDS_LIMIT) {}

  /** Reads the ids unless they are known (or too many to keep). */
  async load(db: EntityManager): Promise<void> {
    if (this.ids !== undefined || this.tooMany) return;
    const rows = await db.query<Array<{ mission_id: string }>>(
      `SELECT mission_id FROM missions LIMIT ${this.limit + 1}`,
    );
    if (rows.length > this.limit) {
      this.tooMany = true;
      return;
    }
    this.ids = new Set(rows.map((row) => row.mission_id));
  }

  /** Whether the set is loaded and says `id` is not a mission. */
  isNew(id: string): boolean {
    return this.ids !== undefined && !this.ids.has(id);
  }

  added(id: string): void {
    if (this.ids === undefined) return;
    this.ids.add(id);
    if (this.ids.size > this.limit) {
      this.ids = undefined;
      this.tooMany = true;
    }
  }

  deleted(id: string): void {
    this.ids?.delete(id);
  }

  forget(): void {
    this.ids = undefined;
    this.tooMany = false;
  }
}
