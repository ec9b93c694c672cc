import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { ClusterNodeRuntime } from '@falconmind/consensus';
import { CLUSTER_RUNTIME } from '../cluster/cluster.tokens';
import { raftReadinessProblems } from './raft-readiness';

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
    const problems = raftReadinessProblems(this.runtime, this.draining);
    return problems.length === 0 ? indicator.up(details) : indicator.down({ ...details, problems });
  }
}
