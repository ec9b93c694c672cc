import { PeerNode } from '@falconmind/config';
import {
  ClusterRecord,
  DiscoveredNode,
  Discovery,
  DiscoveryHealth,
  NodeAnnouncement,
  NodeListListener,
  NodeStatus,
} from './discovery';
import { DiscoveryNotRunningError, DiscoveryUnsupportedError } from './discovery-errors';
import { DiscoveryLogger } from './discovery-logger';
import { NodeListeners } from './node-listeners';

/** Static peers carry no status: they are listed as starting until Raft says otherwise. */
const UNKNOWN_STATUS: NodeStatus = { role: 'starting', ready: false, term: 0 };
/** Version of a peer known only from `PEER_NODES`. */
const UNKNOWN_VERSION = 'unknown';

/**
 * `DISCOVERY=static`: the nodes are this node plus `PEER_NODES`. Nothing is registered anywhere,
 * the list never changes, health is always up, and there is no store for a cluster record.
 */
export class StaticDiscovery implements Discovery {
  readonly kind = 'static';
  private self: NodeAnnouncement | undefined;
  private status: NodeStatus = UNKNOWN_STATUS;
  private stopped = false;
  private readonly listeners: NodeListeners;
  private readonly health_: DiscoveryHealth = {
    state: 'up',
    detail: 'static peers from PEER_NODES: nothing to register',
    sinceMs: Date.now(),
  };

  constructor(
    private readonly peers: readonly PeerNode[],
    logger: DiscoveryLogger,
  ) {
    this.listeners = new NodeListeners(logger);
  }

  start(self: NodeAnnouncement, status: NodeStatus): Promise<void> {
    if (this.stopped) return Promise.reject(new DiscoveryNotRunningError('start', 'stopped'));
    this.self = self;
    this.status = status;
    return Promise.resolve();
  }

  setStatus(status: NodeStatus): void {
    this.status = status;
    if (this.listeners.size > 0 && this.self !== undefined) this.listeners.publish(this.nodes());
  }

  heartbeat(): void {
    // Nothing watches a static node's liveness.
  }

  listNodes(): Promise<DiscoveredNode[]> {
    if (this.self === undefined) {
      return Promise.reject(new DiscoveryNotRunningError('listNodes', 'not started'));
    }
    return Promise.resolve(this.nodes());
  }

  watch(listener: NodeListListener): () => void {
    const unsubscribe = this.listeners.add(listener);
    if (this.self !== undefined) this.listeners.publish(this.nodes());
    return unsubscribe;
  }

  claimCluster(_record: ClusterRecord): Promise<ClusterRecord> {
    return Promise.reject(new DiscoveryUnsupportedError('claimCluster', this.kind));
  }

  readCluster(): Promise<ClusterRecord | undefined> {
    return Promise.resolve(undefined);
  }

  forget(_nodeId: string): Promise<void> {
    // PEER_NODES is configuration: nothing stored to remove.
    return Promise.resolve();
  }

  health(): DiscoveryHealth {
    return this.health_;
  }

  stop(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }

  private nodes(): DiscoveredNode[] {
    const self = this.self as NodeAnnouncement;
    const own: DiscoveredNode = { ...self, status: this.status, healthy: true };
    const others = this.peers
      .filter((peer) => peer.nodeId !== self.nodeId)
      .map((peer): DiscoveredNode => ({
        nodeId: peer.nodeId,
        clusterId: self.clusterId,
        httpAddress: peer.address,
        httpPort: peer.port,
        raftAddress: peer.address,
        raftPort: peer.raftPort,
        version: UNKNOWN_VERSION,
        status: UNKNOWN_STATUS,
        healthy: true,
      }));
    return [own, ...others].sort((a, b) => a.nodeId.localeCompare(b.nodeId));
  }
}
