import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NODE_DATA_SOURCE } from '../cluster/cluster.tokens';

/** How often the set is read again from the node's own database. */
const REFRESH_MS = 1_000;
/** A miss reads the set again early, but not more often than this. */
const MISS_REFRESH_MS = 200;

/**
 * The registered UAVs, as this node has applied them, kept in memory so that a telemetry sample
 * (thousands a second) is checked without a query. A UAV that registered less than a refresh ago
 * may be missed by `has` (a miss reads the set again soon); `isRegistered` asks the database on a
 * miss (for the rarer messages).
 */
@Injectable()
export class KnownUavs implements OnApplicationShutdown {
  private ids = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private refreshedAt = 0;

  constructor(@Inject(NODE_DATA_SOURCE) private readonly dataSource: DataSource) {}

  start(): void {
    if (this.timer) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  has(uavId: string): boolean {
    if (this.ids.has(uavId)) return true;
    if (Date.now() - this.refreshedAt >= MISS_REFRESH_MS) void this.refresh();
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
    if (this.timer) clearInterval(this.timer);
  }

  private refresh(): Promise<void> {
    if (!this.refreshing) this.refreshedAt = Date.now();
    this.refreshing ??= this.dataSource
      .query<Array<{ uav_id: string }>>('SELECT uav_id FROM uavs')
      .then((rows) => {
        this.ids = new Set(rows.map((row) => row.uav_id));
      })
      .catch(() => undefined)
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }
}
