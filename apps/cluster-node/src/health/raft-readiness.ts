import { ClusterNodeRuntime } from '@falconmind/consensus';

/** Entries a node may trail its commit index by and still serve: beyond this it is catching up. */
export const MAX_APPLY_LAG = 1_000;

/**
 * Why the node is not ready, from Raft's point of view (none: ready). Shared by `/health/ready`
 * and by what the node announces to discovery, so that both always agree.
 */
export function raftReadinessProblems(runtime: ClusterNodeRuntime, draining: boolean): string[] {
  const status = runtime.status();
  const problems: string[] = [];
  if (draining) problems.push('the node is stopping');
  if (!runtime.driver.running) {
    problems.push(
      `the Raft loop stopped${runtime.driver.failure ? `: ${runtime.driver.failure.message}` : ''}`,
    );
  }
  if (!status.leaderId) problems.push('no leader is known');
  if (!status.isMember) problems.push('this node is not (yet) a member of the cluster');
  if (status.commitIndex - status.appliedIndex > MAX_APPLY_LAG) {
    problems.push(`applying trails the commit index by more than ${MAX_APPLY_LAG} entries`);
  }
  return problems;
}
