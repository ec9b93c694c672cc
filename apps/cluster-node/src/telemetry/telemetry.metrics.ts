import { Inject, Injectable } from '@nestjs/common';
import { ClusterNodeRuntime } from '@falconmind/consensus';
import type { SourceCounts } from '@falconmind/telemetry';
import { CLUSTER_RUNTIME } from '../cluster/cluster.tokens';
import { MetricsRegistry } from '../metrics/metrics-registry';
import { TelemetryService } from './telemetry.service';

/**
 * Telemetry's counters, read from the pipeline and the peer channel when scraped: they count on
 * their own (cheaply, on the hot path) and these only mirror them.
 */
@Injectable()
export class TelemetryMetrics {
  constructor(
    metrics: MetricsRegistry,
    telemetry: TelemetryService,
    @Inject(CLUSTER_RUNTIME) runtime: ClusterNodeRuntime,
  ) {
    const bySource: Array<[string, string, () => SourceCounts]> = [
      [
        'falconmind_telemetry_samples_accepted_total',
        'Valid telemetry samples taken in, by source',
        () => telemetry.counters.accepted,
      ],
      [
        'falconmind_telemetry_samples_rejected_total',
        'Invalid telemetry samples refused, by source',
        () => telemetry.counters.rejected,
      ],
      [
        'falconmind_telemetry_samples_shed_total',
        'Valid telemetry samples shed (oldest first) because the node could not keep up, by source',
        () => telemetry.counters.shed,
      ],
      [
        'falconmind_telemetry_samples_stale_total',
        'Telemetry samples that changed nothing (seen before, or older than a full window), by source',
        () => telemetry.counters.stale,
      ],
    ];
    for (const [name, help, read] of bySource) {
      metrics.counter({
        name,
        help,
        labelNames: ['source'],
        collect() {
          // Mirrors a count kept elsewhere: set it, by way of reset and increment.
          this.reset();
          for (const [source, value] of Object.entries(read())) this.inc({ source }, value);
        },
      });
    }
    metrics.gauge({
      name: 'falconmind_telemetry_backlog',
      help: 'Valid telemetry samples waiting to be stored',
      collect() {
        this.set(telemetry.pipeline.backlog);
      },
    });
    metrics.gauge({
      name: 'falconmind_telemetry_uavs',
      help: 'UAVs this node holds telemetry of',
      collect() {
        this.set(telemetry.pipeline.store.uavCount);
      },
    });
    metrics.gauge({
      name: 'falconmind_telemetry_samples_held',
      help: 'Telemetry samples this node holds in memory, all UAVs together (TELEMETRY_MAX_SAMPLES at most)',
      collect() {
        this.set(telemetry.pipeline.store.sampleCount);
      },
    });
    metrics.counter({
      name: 'falconmind_telemetry_uavs_evicted_total',
      help: 'UAVs whose telemetry was forgotten to stay within the bounds (the least recently heard from first)',
      collect() {
        this.reset();
        this.inc(telemetry.pipeline.store.evictedUavs);
      },
    });
    const peer: Array<[string, string, 'sent' | 'dropped']> = [
      [
        'falconmind_peer_telemetry_sent_total',
        'Telemetry samples handed to peers (counted once per peer)',
        'sent',
      ],
      [
        'falconmind_peer_telemetry_dropped_total',
        'Telemetry samples dropped on the way to peers that could not keep up (once per peer)',
        'dropped',
      ],
    ];
    for (const [name, help, key] of peer) {
      metrics.counter({
        name,
        help,
        collect() {
          this.reset();
          this.inc(runtime.telemetry.stats()[key]);
        },
      });
    }
  }
}
