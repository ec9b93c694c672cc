/**
 * Discovery tells who exists; only Raft decides who is a member. A node registers itself with the
 * discovery store (nothing for static, an etcd key under a lease, or a Consul agent service with
 * health checks), keeps its announced role current, finds the registrations of its cluster and
 * claims the cluster record that fixes the first membership when a fresh cluster bootstraps.
 */

/** Where a node can be reached, as it announces itself. */
export interface NodeAnnouncement {
  /** `NODE_ID`: unique within the cluster. */
  readonly nodeId: string;
  /** `CLUSTER_ID`: registrations of other clusters in the same store are never listed. */
  readonly clusterId: string;
  /** Host (IP literal or name) where peers and clients reach the node's HTTP API. */
  readonly httpAddress: string;
  readonly httpPort: number;
  /** Host where peers reach the node's Raft transport. */
  readonly raftAddress: string;
  readonly raftPort: number;
  /** The software version the node runs (informational, for rolling upgrades). */
  readonly version: string;
}

/** The Raft roles a node announces; `starting` until its Raft loop first reports one. */
export const ANNOUNCED_ROLES = ['leader', 'follower', 'candidate', 'learner', 'starting'] as const;
export type AnnouncedRole = (typeof ANNOUNCED_ROLES)[number];

export function isAnnouncedRole(value: unknown): value is AnnouncedRole {
  return typeof value === 'string' && (ANNOUNCED_ROLES as readonly string[]).includes(value);
}

/** What the node says about itself; informational only, never used to decide membership. */
export interface NodeStatus {
  readonly role: AnnouncedRole;
  /** The node's own readiness (`/health/ready`). */
  readonly ready: boolean;
  /** The Raft term the role belongs to. */
  readonly term: number;
}

/** A live registration found in the store. */
export interface DiscoveredNode extends NodeAnnouncement {
  readonly status: NodeStatus;
  /**
   * What the store thinks of the node. Consul: every check of the service (and of its agent's node)
   * is passing. etcd: the lease is alive (the key would be gone otherwise) and the node announces
   * itself ready. Static: always true, nothing is known.
   */
  readonly healthy: boolean;
}

/** A member of the first voting membership, as fixed in the cluster record. */
export interface InitialVoter {
  readonly nodeId: string;
  readonly httpAddress: string;
  readonly httpPort: number;
  readonly raftAddress: string;
  readonly raftPort: number;
}

/**
 * Written once, by the first node to claim it, when a fresh cluster bootstraps: every node
 * bootstraps with exactly these voters, and a node that finds a record joins the existing cluster
 * instead of bootstrapping.
 */
export interface ClusterRecord {
  /** Distinguishes this incarnation of the cluster from any earlier one with the same id. */
  readonly clusterUuid: string;
  readonly initialVoters: readonly InitialVoter[];
  /** ISO 8601 time at which the record was claimed. */
  readonly createdAt: string;
}

/** Whether the node's registration is in place and kept alive. */
export interface DiscoveryHealth {
  /**
   * `up`: registered and kept alive. `degraded`: not (yet, or any more) registered, or the store
   * cannot be reached; the registration is being retried in the background.
   */
  readonly state: 'up' | 'degraded';
  /** One human-readable line: what is wrong, or what is in place. */
  readonly detail: string;
  /** When the current state began (epoch milliseconds). */
  readonly sinceMs?: number;
}

export type DiscoveryKind = 'static' | 'etcd' | 'consul';

/** Called with the full list of live registrations of the cluster each time it changes. */
export type NodeListListener = (nodes: DiscoveredNode[]) => void;

export interface Discovery {
  readonly kind: DiscoveryKind;

  /**
   * Registers this node and keeps the registration alive until `stop()`. Resolves once the first
   * registration is stored, or after `timings.startTimeoutMs` when the store cannot be reached: the
   * registration is then retried in the background with backoff and `health()` says degraded until
   * it is stored. Never rejects because the store is down (a node that is already a Raft member
   * must not be kept from starting by its discovery store); rejects only when called twice or after
   * `stop()`. Every other method except `health()` and `stop()` needs `start()` to have been called
   * (it names the cluster).
   */
  start(self: NodeAnnouncement, status: NodeStatus): Promise<void>;

  /**
   * The node's role or readiness changed: the registration is refreshed (etcd value, Consul tags
   * and meta) right away. Calls made while a refresh is in flight coalesce into one more refresh
   * with the latest status; a failed refresh is retried with backoff.
   */
  setStatus(status: NodeStatus): void;

  /**
   * The node's Raft loop is alive; call it as often as convenient (every tick). Consul passes the
   * service's TTL check, at most once per `timings.consulTtlPassIntervalMs`; etcd and static ignore
   * it (the lease keepalive is the liveness signal).
   */
  heartbeat(): void;

  /** The live registrations of this cluster (this node included once registered), by node id. */
  listNodes(): Promise<DiscoveredNode[]>;

  /**
   * Calls `listener` with the current registrations soon after subscribing, then after every
   * change (an unchanged list is not delivered twice). Kept up by an etcd watch or Consul blocking
   * queries, re-established by itself after a store outage. Returns the unsubscribe function.
   */
  watch(listener: NodeListListener): () => void;

  /**
   * Stores `record` as the cluster record if there is none yet (compare-and-set on absence) and
   * returns the record stored afterwards: `record` itself if this call won, the earlier one if not.
   * Rejects when the store cannot be reached, and with `DiscoveryUnsupportedError` for static.
   */
  claimCluster(record: ClusterRecord): Promise<ClusterRecord>;

  /** The stored cluster record; `undefined` when none was claimed (always, for static). */
  readCluster(): Promise<ClusterRecord | undefined>;

  /**
   * Removes another node's registration, once Raft removed it from the membership, so that it is
   * no longer listed (a live node would register itself again). Resolves when done or when there
   * was nothing to remove; a no-op for static.
   */
  forget(nodeId: string): Promise<void>;

  /** Whether this node's registration is in place; never throws, answers from memory. */
  health(): DiscoveryHealth;

  /**
   * Deregisters this node (the registration disappears at once: no waiting for a TTL), then stops
   * every timer and closes the client. Safe to call twice; a failed deregistration is logged, not
   * thrown.
   */
  stop(): Promise<void>;
}
