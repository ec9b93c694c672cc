import type { RecordJson } from '@falconmind/fleet';

/**
 * Records read by id (missions, UAVs), kept only for as long as this node's applied index stays
 * where it was when they were read: the first read after any apply empties the cache. No command
 * has to say what it changed, so no command can be forgotten; the price is that under a steady
 * write load the cache helps only between applies, and a record is read again after each.
 *
 * Why it is correct: a record is queried after the applied index A was looked at, so it holds the
 * state at A or later (an apply's tables are committed before the index moves). It is stored only
 * if the index is still A when the answer arrives, and served only while it is still A. A record
 * that does not exist is kept too (as `null`): it stays absent until an apply.
 */
export class RecordCache {
  private readonly records = new Map<string, RecordJson | null>();
  /** The applied index every record held was read at. */
  private readAt = -1;

  constructor(private readonly maxRecords: number) {}

  get size(): number {
    return this.records.size;
  }

  /** The record read at `appliedIndex` (null: read as absent), or undefined if none is held. */
  get(key: string, appliedIndex: number): RecordJson | null | undefined {
    this.forgetUnless(appliedIndex);
    return this.records.get(key);
  }

  /**
   * Keeps what a query started at `readAt` returned, if the applied index is still `readAt`. Beyond
   * the bound the oldest record goes first.
   */
  set(key: string, record: RecordJson | null, readAt: number, appliedIndex: number): void {
    if (this.maxRecords === 0 || readAt !== appliedIndex) return;
    this.forgetUnless(appliedIndex);
    if (this.records.size >= this.maxRecords) {
      const oldest = this.records.keys().next();
      if (!oldest.done) this.records.delete(oldest.value);
    }
    this.records.set(key, record);
  }

  private forgetUnless(appliedIndex: number): void {
    if (appliedIndex === this.readAt) return;
    this.records.clear();
    this.readAt = appliedIndex;
  }
}
