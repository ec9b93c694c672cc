import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { NODE_CONFIG, NodeConfig } from '@falconmind/config';
import type { SourcedSample } from '@falconmind/telemetry';
import { DataSource } from 'typeorm';
import { NODE_DATA_SOURCE, NODE_LOGGER } from '../cluster/cluster.tokens';
import { UavStateSync } from '../fleet/uav-state-sync.service';
import { NodeLogger } from '../node-logger';
import { PendingHeartbeats } from './pending-heartbeats';
import { nowNs, TelemetryService } from './telemetry.service';

/**
 * Feeds telemetry into the periodic UAV state sync, so that a UAV that only sends telemetry keeps
 * its heartbeat (and stays ONLINE): once per UAV per sync interval, the newest sample's position
 * and battery go to {@link UavStateSync.accept}, for registered UAVs only. Only samples this node
 * took in itself count (a peer's node feeds its own), so that a sample costs one report, not one
 * per node. A sample older than the offline timeout is no sign of life and feeds nothing.
 */
@Injectable()
export class TelemetryHeartbeats implements OnApplicationBootstrap, OnApplicationShutdown {
  /** The newest sample per UAV since the last round (bounded: a round may hang on the database). */
  private readonly pending = new PendingHeartbeats();
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly telemetry: TelemetryService,
    private readonly sync: UavStateSync,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    @Inject(NODE_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(NODE_LOGGER) private readonly logger: NodeLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.telemetry.addSink({ take: (fresh) => this.note(fresh) });
    this.timer = setInterval(() => void this.round(), this.config.uavSyncIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private note(fresh: readonly SourcedSample[]): void {
    for (const { sample, source } of fresh) {
      if (source !== 'peer') this.pending.note(sample);
    }
  }

  private async round(): Promise<void> {
    if (this.running || this.pending.size === 0) return;
    this.running = true;
    const batch = this.pending.take();
    try {
      const rows = await this.dataSource.query<Array<{ uav_id: string }>>(
        'SELECT uav_id FROM uavs WHERE uav_id = ANY($1)',
        [[...batch.keys()]],
      );
      const aliveAfterNs = nowNs() - BigInt(this.config.uavOfflineAfterS) * 1_000_000_000n;
      for (const { uav_id: uavId } of rows) {
        const sample = batch.get(uavId);
        if (sample === undefined || sample.timestamp_ns < aliveAfterNs) continue;
        try {
          this.sync.accept(uavId, {
            uav_id: uavId,
            position: sample.position,
            ...(sample.battery ? { battery: sample.battery.percent } : {}),
          });
        } catch (error) {
          this.logger.debug('telemetry did not make a valid heartbeat', {
            uavId,
            error: String(error),
          });
        }
      }
    } catch (error) {
      // The next round carries newer samples anyway.
      this.logger.debug('telemetry heartbeats postponed', { error: String(error) });
    } finally {
      this.running = false;
    }
  }
}
