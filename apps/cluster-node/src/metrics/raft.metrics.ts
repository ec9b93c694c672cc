import { Inject, Injectable } from '@nestjs/common';
import { ClusterNodeRuntime } from '@falconmind/consensus';
import { CLUSTER_RUNTIME } from '../cluster/cluster.tokens';
import { MetricsRegistry } from './metrics-registry';

/** Raft's progress as gauges, read from the runtime when scraped (nothing is kept in between). */
@Injectable()
export class RaftMetrics {
  constructor(metrics: MetricsRegistry, @Inject(CLUSTER_RUNTIME) runtime: ClusterNodeRuntime) {
    const gauges: Array<
      [string, string, (status: ReturnType<ClusterNodeRuntime['status']>) => number]
    > = [
      ['falconmind_raft_term', 'The current Raft term', (s) => s.term],
      [
        'falconmind_raft_commit_index',
        'The highest log index known committed',
        (s) => s.commitIndex,
      ],
      [
        'falconmind_raft_applied_index',
        'The highest log index applied here',
        (s) => s.appliedIndex,
      ],
      ['falconmind_raft_last_index', 'The last index of the local log', (s) => s.lastIndex],
      [
        'falconmind_raft_is_leader',
        '1 while this node leads, else 0',
        (s) => (s.role === 'leader' ? 1 : 0),
      ],
    ];
    for (const [name, help, read] of gauges) {
      metrics.gauge({
        name,
        help,
        collect() {
          this.set(read(runtime.status()));
        },
      });
    }
  }
}
