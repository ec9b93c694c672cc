import { ClusterNodeRuntime } from '@falconmind/consensus';
import { AnnouncedRole, Discovery, NodeStatus } from '@falconmind/discovery';
import { raftReadinessProblems } from '../health/raft-readiness';

/** How often readiness is looked at (a role change is published at once, not on this clock). */
const REFRESH_MS = 200;

/**
 * Keeps what discovery shows of this node true: its Raft role (Consul tags, etcd value) within a
 * heartbeat of a change, its readiness, and the liveness of its Raft loop (Consul's TTL check). On
 * the leader it also removes the registrations of nodes that Raft removed from the membership.
 */
export class DiscoveryPublisher {
  private timer: NodeJS.Timeout | undefined;
  private published: NodeStatus | undefined;
  private members: ReadonlySet<string> | undefined;
  private draining = false;

  constructor(
    private readonly discovery: Discovery,
    private readonly runtime: ClusterNodeRuntime,
  ) {}

  start(): void {
    this.runtime.driver.onRoleChange(() => this.publish());
    this.timer = setInterval(() => this.publish(), REFRESH_MS);
    this.timer.unref();
    this.publish();
  }

  /** The node is stopping: announce it not ready before it goes. */
  drain(): void {
    this.draining = true;
    this.publish();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private publish(): void {
    const driver = this.runtime.driver;
    if (driver.running) this.discovery.heartbeat();
    const status = this.currentStatus();
    const last = this.published;
    if (
      !last ||
      last.role !== status.role ||
      last.ready !== status.ready ||
      last.term !== status.term
    ) {
      this.published = status;
      this.discovery.setStatus(status);
    }
    this.forgetRemovedMembers(status.role === 'leader');
  }

  private currentStatus(): NodeStatus {
    const raft = this.runtime.driver.status();
    let role: AnnouncedRole;
    if (!this.runtime.driver.running) role = 'starting';
    else if (raft.confState.learners.includes(this.runtime.nodeId)) role = 'learner';
    else if (raft.role === 'leader' || raft.role === 'follower') role = raft.role;
    else role = 'candidate';
    const ready = raftReadinessProblems(this.runtime, this.draining).length === 0;
    return { role, ready, term: raft.term };
  }

  /** Only the leader cleans up, so that each removal is forgotten once, by a node that knows of it. */
  private forgetRemovedMembers(leader: boolean): void {
    const { voters, learners } = this.runtime.driver.status().confState;
    const current = new Set([...voters, ...learners]);
    const previous = this.members;
    this.members = current;
    if (!leader || !previous) return;
    for (const nodeId of previous) {
      if (!current.has(nodeId)) void this.discovery.forget(nodeId).catch(() => undefined);
    }
  }
}
