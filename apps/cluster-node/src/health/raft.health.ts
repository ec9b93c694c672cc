import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { ClusterNodeRuntime } from '@falconmind/consensus';
import { CLUSTER_RUNTIME } from '../cluster/cluster.tokens';

/** Entries a node may trail its commit index by and still serve: beyond this it is catching up. */
export const MAX_APPLY_LAG = 1_000;

/** Readiness from Raft's point of view: a leader is known, this node is a member, applying keeps up. */
@Injectable()
export class RaftHealthIndicator {
  private draining = false;

  constructor(
    @Inject(CLUSTER_RUNTIME) private readonly runtime: ClusterNodeRuntime,
    private readonly indicators: HealthIndicatorService,
  ) {}

  /** A stopping node reports itself not ready first, so that load balancers move away. */
  startDraining(): void {
    this.draining = true;
  }

  check(): HealthIndicatorResult {
    const indicator = this.indicators.check('raft');
    const status = this.runtime.status();
    const details = {
      role: status.role,
      term: status.term,
      leader: status.leaderId || null,
      commit_index: status.commitIndex,
      applied_index: status.appliedIndex,
      member: status.isMember,
    };
    const problems: string[] = [];
    if (this.draining) problems.push('the node is stopping');
    if (!this.runtime.driver.running) {
      problems.push(
        `the Raft loop stopped${this.runtime.driver.failure ? `: ${this.runtime.driver.failure.message}` : ''}`,
      );
    }
    if (!status.leaderId) problems.push('no leader is known');
    if (!status.isMember) problems.push('this node is not (yet) a member of the cluster');
    if (status.commitIndex - status.appliedIndex > MAX_APPLY_LAG) {
      problems.push(`applying trails the commit index by more than ${MAX_APPLY_LAG} entries`);
    }
    return problems.length === 0 ? indicator.up(details) : indicator.down({ ...details, problems });
  }
}
