import { EtcdDiscoveryConfig } from '@falconmind/config';
import { Etcd3, Lease } from 'etcd3';
import { Backoff } from './backoff';
import { decodeClusterRecord, encodeClusterRecord } from './cluster-record';
import { Deferred } from './deferred';
import {
  ClusterRecord,
  DiscoveredNode,
  Discovery,
  DiscoveryHealth,
  NodeAnnouncement,
  NodeListListener,
  NodeStatus,
} from './discovery';
import { DiscoveryNotRunningError } from './discovery-errors';
import { DiscoveryLogger, describeError } from './discovery-logger';
import { DiscoveryTimings } from './discovery-timings';
import { createEtcdClient } from './etcd-client';
import { EtcdKeys } from './etcd-keys';
import { EtcdPeerWatch } from './etcd-peer-watch';
import { HealthState } from './health-state';
import { decodeNodeRecord, encodeNodeRecord } from './node-record';
import { RetryingTask } from './retrying-task';

/** How often a claim is retried when the record it lost to was deleted before it could be read. */
const CLAIM_ATTEMPTS = 3;

interface Running {
  readonly self: NodeAnnouncement;
  readonly keys: EtcdKeys;
}

/**
 * `DISCOVERY=etcd`: the registration is the key `/falconmind/<clusterId>/nodes/<nodeId>` holding
 * the node's JSON (announcement + status) under a lease kept alive by the client, so that a node
 * that dies disappears after at most the lease TTL. A lost lease (etcd unreachable for longer than
 * the TTL, or the lease expired) is granted again and the key rewritten, with backoff, as soon as
 * etcd answers; health is degraded meanwhile.
 */
export class EtcdDiscovery implements Discovery {
  readonly kind = 'etcd';
  private readonly client: Etcd3;
  private readonly state: HealthState;
  private readonly registration: RetryingTask;
  private readonly firstRegistration = new Deferred();
  private running: Running | undefined;
  private phase: 'new' | 'running' | 'stopped' = 'new';
  private status: NodeStatus = { role: 'starting', ready: false, term: 0 };
  private lease: Lease | undefined;
  /** The key holds the latest status under the current lease. */
  private inSync = false;
  private peerWatch: EtcdPeerWatch | undefined;

  constructor(
    config: EtcdDiscoveryConfig,
    private readonly logger: DiscoveryLogger,
    private readonly timings: DiscoveryTimings,
  ) {
    this.client = createEtcdClient(config, timings);
    this.state = new HealthState(
      logger,
      { discovery: 'etcd', endpoints: config.endpoints.join(',') },
      { state: 'degraded', detail: 'not registered yet' },
    );
    this.registration = new RetryingTask(
      () => this.register(),
      new Backoff(timings.retryMinMs, timings.retryMaxMs),
      {
        onSuccess: () => {
          this.inSync = true;
          const key = this.running?.keys.node(this.running.self.nodeId);
          this.state.up(`registered at ${key}, lease kept alive`);
          this.firstRegistration.resolve();
        },
        onFailure: (error) => {
          this.inSync = false;
          this.state.degraded(`cannot register in etcd: ${describeError(error)}`);
          this.logger.debug('etcd registration failed, retrying', { error: describeError(error) });
        },
      },
    );
  }

  async start(self: NodeAnnouncement, status: NodeStatus): Promise<void> {
    if (this.phase === 'stopped') throw new DiscoveryNotRunningError('start', 'stopped');
    if (this.phase === 'running') throw new Error('start: discovery was already started');
    this.phase = 'running';
    this.running = { self, keys: new EtcdKeys(self.clusterId) };
    this.status = status;
    this.registration.request();
    await this.firstRegistration.waitAtMost(this.timings.startTimeoutMs);
  }

  setStatus(status: NodeStatus): void {
    this.status = status;
    if (this.phase === 'running') this.registration.request();
  }

  heartbeat(): void {
    // The lease keepalive is etcd's liveness signal; the Raft loop's pulse adds nothing.
  }

  async listNodes(): Promise<DiscoveredNode[]> {
    const { keys } = this.runningOf('listNodes');
    const values = await this.client.getAll().prefix(keys.nodesPrefix).strings();
    const nodes: DiscoveredNode[] = [];
    for (const [key, text] of Object.entries(values)) {
      const record = decodeNodeRecord(text);
      if (
        record === undefined ||
        record.clusterId !== keys.clusterId ||
        key !== keys.node(record.nodeId)
      ) {
        this.logger.debug('etcd registration ignored: not a node record of this cluster', { key });
        continue;
      }
      const { updatedAt: _updatedAt, ...node } = record;
      nodes.push({ ...node, healthy: record.status.ready });
    }
    return nodes.sort((a, b) => a.nodeId.localeCompare(b.nodeId));
  }

  watch(listener: NodeListListener): () => void {
    const { keys } = this.runningOf('watch');
    this.peerWatch ??= new EtcdPeerWatch(
      this.client,
      keys.nodesPrefix,
      () => this.listNodes(),
      this.logger,
      new Backoff(this.timings.retryMinMs, this.timings.retryMaxMs),
    );
    return this.peerWatch.subscribe(listener);
  }

  async claimCluster(record: ClusterRecord): Promise<ClusterRecord> {
    const key = this.runningOf('claimCluster').keys.cluster;
    const ours = encodeClusterRecord(record);
    for (let attempt = 1; attempt <= CLAIM_ATTEMPTS; attempt++) {
      // Create revision 0 means the key does not exist: the put happens only for the first claimant,
      // and everyone else reads the winner's record in the same transaction.
      const result = await this.client
        .if(key, 'Create', '==', 0)
        .then(this.client.put(key).value(ours))
        .else(this.client.get(key))
        .commit();
      if (result.succeeded) {
        this.logger.info('cluster record claimed', { key, clusterUuid: record.clusterUuid });
        return decodeClusterRecord(ours, key);
      }
      const stored = result.responses[0]?.response_range?.kvs[0]?.value;
      if (stored !== undefined) return decodeClusterRecord(stored.toString('utf8'), key);
    }
    throw new Error(`the cluster record at ${key} kept disappearing while it was being claimed`);
  }

  async readCluster(): Promise<ClusterRecord | undefined> {
    const key = this.runningOf('readCluster').keys.cluster;
    const text = await this.client.get(key).string();
    return text === null ? undefined : decodeClusterRecord(text, key);
  }

  async forget(nodeId: string): Promise<void> {
    const { keys } = this.runningOf('forget');
    await this.client.delete().key(keys.node(nodeId));
    this.logger.info('etcd registration of a removed node deleted', { nodeId });
  }

  health(): DiscoveryHealth {
    return this.state.snapshot();
  }

  async stop(): Promise<void> {
    if (this.phase === 'stopped') return;
    const wasRunning = this.phase === 'running';
    this.phase = 'stopped';
    await this.halt();
    const lease = this.lease;
    this.lease = undefined;
    if (wasRunning && lease !== undefined) {
      try {
        // Revoking the lease deletes the key at once: peers need not wait for the TTL.
        await lease.revoke({ deadline: Date.now() + this.timings.requestTimeoutMs });
      } catch (error) {
        this.logger.warn('etcd lease not revoked; the registration expires with its TTL', {
          error: describeError(error),
        });
      }
    }
    this.client.close();
    this.state.stopped();
  }

  /**
   * Test-only (reached through `libs/discovery/testing`): stops keeping the lease alive and closes
   * the client without deregistering, as a killed process would.
   */
  async abandon(): Promise<void> {
    if (this.phase === 'stopped') return;
    this.phase = 'stopped';
    await this.halt();
    this.lease?.release();
    this.lease = undefined;
    this.client.close();
  }

  /** Ends the background work shared by `stop` and `abandon`. */
  private async halt(): Promise<void> {
    this.firstRegistration.resolve();
    await this.registration.stop();
    await this.peerWatch?.stop();
  }

  /** Writes the registration (announcement + latest status) under the current lease. */
  private async register(): Promise<void> {
    const { self, keys } = this.runningOf('register');
    const lease = this.currentLease();
    await lease.put(keys.node(self.nodeId)).value(encodeNodeRecord(self, this.status));
    if (lease !== this.lease) throw new Error('the lease was lost while registering');
  }

  /** The lease in use, or a new one when there is none (first registration, or the last was lost). */
  private currentLease(): Lease {
    if (this.lease !== undefined) return this.lease;
    const lease = this.client.lease(this.timings.etcdLeaseTtlSeconds);
    this.lease = lease;
    lease.on('lost', (error) => {
      if (this.lease !== lease) return;
      this.lease = undefined;
      this.inSync = false;
      this.state.degraded(`etcd lease lost: ${describeError(error)}`);
      this.registration.request();
    });
    lease.on('keepaliveFailed', (error) => {
      if (this.lease !== lease) return;
      this.state.degraded(`etcd lease keepalive failing: ${describeError(error)}`);
    });
    lease.on('keepaliveSucceeded', () => {
      const key = this.running?.keys.node(this.running.self.nodeId);
      if (this.lease === lease && this.inSync)
        this.state.up(`registered at ${key}, lease kept alive`);
    });
    return lease;
  }

  private runningOf(operation: string): Running {
    if (this.running === undefined || this.phase === 'new') {
      throw new DiscoveryNotRunningError(operation, 'not started');
    }
    if (this.phase === 'stopped') throw new DiscoveryNotRunningError(operation, 'stopped');
    return this.running;
  }
}
