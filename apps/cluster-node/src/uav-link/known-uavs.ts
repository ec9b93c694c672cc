import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NODE_DATA_SOURCE } from '../cluster/cluster.tokens';

/** How often the set is read again from the node's own database. */
const REFRESH_MS = 1_000;
/** Ids missed by `has` are looked up together, by id, at most this often. */
const MISS_LOOKUP_MS = 200;
/** Ids one lookup asks about at most; a miss beyond it is asked about on a later miss. */
export const MAX_IDS_PER_LOOKUP = 1_000;
/** Ids remembered as not registered at most (the memory is cleared by every full read anyway). */
const MAX_NOT_REGISTERED = 10_000;

/**
 * The registered UAVs, as this node has applied them, kept in memory so that a telemetry sample
 * (thousands a second) is checked without a query. The whole set is read once a second; an id
 * `has` misses is looked up on its own soon after (with the other misses, in one query), and one
 * found unregistered is not asked about again until the next full read: a stream of unknown ids
 * costs at most one small query per lookup interval, never a read of the whole table.
 * `isRegistered` asks the database on a miss (for the rarer messages).
 */
@Injectable()
export class KnownUavs implements OnApplicationShutdown {
  private ids = new Set<string>();
  /** Ids a lookup found unregistered since the last full read. */
  private readonly notRegistered = new Set<string>();
  /** Ids missed and not yet looked up. */
  private readonly unchecked = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private lookupTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private lookingUp = false;
  private lastLookupAt = 0;
  private stopped = false;

  constructor(@Inject(NODE_DATA_SOURCE) private readonly dataSource: DataSource) {}

  start(): void {
    if (this.timer) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  has(uavId: string): boolean {
    if (this.ids.has(uavId)) return true;
    if (!this.notRegistered.has(uavId)) {
      if (this.unchecked.size < MAX_IDS_PER_LOOKUP) this.unchecked.add(uavId);
      this.scheduleLookup();
    }
    return false;
  }

  async isRegistered(uavId: string): Promise<boolean> {
    if (this.ids.has(uavId)) return true;
    const rows = await this.dataSource.query<unknown[]>('SELECT 1 FROM uavs WHERE uav_id = $1', [
      uavId,
    ]);
    if (rows.length > 0) this.ids.add(uavId);
    return rows.length > 0;
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.lookupTimer) clearTimeout(this.lookupTimer);
    this.lookupTimer = undefined;
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.dataSource
      .query<Array<{ uav_id: string }>>('SELECT uav_id FROM uavs')
      .then((rows) => {
        this.ids = new Set(rows.map((row) => row.uav_id));
        this.notRegistered.clear();
      })
      .catch(() => undefined)
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  private scheduleLookup(): void {
    if (this.lookupTimer !== undefined || this.lookingUp || this.stopped) return;
    const wait = Math.max(0, this.lastLookupAt + MISS_LOOKUP_MS - Date.now());
    this.lookupTimer = setTimeout(() => {
      this.lookupTimer = undefined;
      void this.lookUpMisses();
    }, wait);
    this.lookupTimer.unref();
  }

  private async lookUpMisses(): Promise<void> {
    const asked = [...this.unchecked];
    this.unchecked.clear();
    if (asked.length === 0 || this.stopped) return;
    this.lookingUp = true;
    this.lastLookupAt = Date.now();
    try {
      const rows = await this.dataSource.query<Array<{ uav_id: string }>>(
        'SELECT uav_id FROM uavs WHERE uav_id = ANY($1)',
        [asked],
      );
      const found = new Set(rows.map((row) => row.uav_id));
      for (const uavId of asked) {
        // Missed again while this lookup was out: answered now.
        this.unchecked.delete(uavId);
        if (found.has(uavId)) {
          this.ids.add(uavId);
          continue;
        }
        if (this.notRegistered.size >= MAX_NOT_REGISTERED) this.notRegistered.clear();
        this.notRegistered.add(uavId);
      }
    } catch {
      // Not remembered either way: the next miss of these ids asks again.
    } finally {
      this.lookingUp = false;
      if (this.unchecked.size > 0) this.scheduleLookup();
    }
  }
}
