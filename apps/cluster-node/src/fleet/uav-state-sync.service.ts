import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ClusterNodeRuntime } from '@falconmind/consensus';
import { NODE_CONFIG, NodeConfig } from '@falconmind/config';
import { prepareFleetCommand, UavStateReport } from '@falconmind/fleet';
import { DataSource } from 'typeorm';
import { CLUSTER_RUNTIME, NODE_DATA_SOURCE, NODE_LOGGER } from '../cluster/cluster.tokens';
import { ApiError } from '../common/api-error';
import { NodeLogger } from '../node-logger';
import { FleetGateway } from './fleet-gateway.service';

/** A heartbeat as a client sends it; the node stamps the time. */
export type HeartbeatReport = Omit<UavStateReport, 'heartbeat_at'>;

/**
 * The periodic, eventually consistent UAV state sync (DESIGN.md): heartbeats and state reports are
 * accepted by any node, kept in memory (the last one per UAV), and flushed through Raft as ONE
 * `SyncUavStates` command per interval. On the leader it also marks UAVs OFFLINE that went silent,
 * by one `MarkUavsOffline` command, once it has led for a full offline timeout (a new leader gives
 * the fleet that grace period rather than trusting heartbeats it could not have seen).
 */
@Injectable()
export class UavStateSync implements OnApplicationBootstrap, OnApplicationShutdown {
  private pending = new Map<string, UavStateReport>();
  private timer: NodeJS.Timeout | undefined;
  private flushing = false;
  private leaderSince: number | undefined;
  /** Sync commands proposed since start: heartbeats of many UAVs cost one each. */
  syncCommands = 0;

  constructor(
    private readonly fleet: FleetGateway,
    @Inject(CLUSTER_RUNTIME) private readonly runtime: ClusterNodeRuntime,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    @Inject(NODE_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(NODE_LOGGER) private readonly logger: NodeLogger,
  ) {}

  onApplicationBootstrap(): void {
    if (this.runtime.driver.status().role === 'leader') this.leaderSince = Date.now();
    this.runtime.driver.onRoleChange((state) => {
      this.leaderSince = state.role === 'leader' ? Date.now() : undefined;
    });
    this.timer = setInterval(() => void this.tick(), this.config.uavSyncIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  intervalMs(): number {
    return this.config.uavSyncIntervalMs;
  }

  /** Validates and keeps a heartbeat for the next sync. Throws a 400 naming the field if it is bad. */
  accept(uavId: string, report: HeartbeatReport): void {
    const stamped: UavStateReport = {
      ...report,
      uav_id: uavId,
      heartbeat_at: new Date().toISOString(),
    };
    const check = prepareFleetCommand({
      type: 'SyncUavStates',
      reports: [stamped],
    });
    if (!check.ok) {
      throw ApiError.badRequest(
        check.problems.map((p) => ({
          field: p.field.replace(/^reports\[0\]\./, ''),
          reason: p.reason,
        })),
      );
    }
    // A report that leaves a field out keeps what an earlier one of this interval said: telemetry
    // reports no status, and must not undo a status a heartbeat just reported.
    const earlier = this.pending.get(uavId);
    this.pending.set(uavId, earlier === undefined ? stamped : { ...earlier, ...stamped });
  }

  private async tick(): Promise<void> {
    if (this.flushing || !this.runtime.driver.running) return;
    this.flushing = true;
    try {
      await this.flush();
      await this.markSilentUavsOffline();
    } finally {
      this.flushing = false;
    }
  }

  private async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.fleet.executeInBackground({
        type: 'SyncUavStates',
        reports: [...batch.values()],
      });
      this.syncCommands++;
    } catch (error) {
      // Keep them for the next round; a newer report of the same UAV wins.
      for (const [id, report] of batch) if (!this.pending.has(id)) this.pending.set(id, report);
      this.logger.debug('UAV state sync postponed', { reports: batch.size, error: String(error) });
    }
  }

  private async markSilentUavsOffline(): Promise<void> {
    const offlineAfterMs = this.config.uavOfflineAfterS * 1000;
    if (this.leaderSince === undefined || Date.now() - this.leaderSince < offlineAfterMs) return;
    const staleBefore = new Date(Date.now() - offlineAfterMs);
    const rows = await this.dataSource.query<Array<{ uav_id: string }>>(
      `SELECT uav_id FROM uavs WHERE status <> 'OFFLINE' AND (last_heartbeat IS NULL OR last_heartbeat < $1)
       ORDER BY uav_id LIMIT 1000`,
      [staleBefore],
    );
    if (rows.length === 0) return;
    try {
      await this.fleet.executeInBackground({
        type: 'MarkUavsOffline',
        uav_ids: rows.map((r) => r.uav_id),
        stale_before: staleBefore.toISOString(),
      });
      this.logger.info('marked silent UAVs offline', { count: rows.length });
    } catch (error) {
      this.logger.debug('marking UAVs offline postponed', { error: String(error) });
    }
  }
}
