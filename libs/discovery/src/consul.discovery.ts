import { ConsulDiscoveryConfig } from '@falconmind/config';
import { Backoff } from './backoff';
import { decodeClusterRecord, encodeClusterRecord } from './cluster-record';
import { ConsulApi } from './consul-api';
import { ConsulPeerWatch } from './consul-peer-watch';
import {
  CONSUL_SERVICE_NAME,
  agentNodeOfHealthEntry,
  nodeFromHealthEntry,
  raftLoopCheckId,
  serviceDefinition,
} from './consul-service';
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
import { HealthState } from './health-state';
import { RetryingTask } from './retrying-task';

/** How often a claim is retried when the record it lost to was deleted before it could be read. */
const CLAIM_ATTEMPTS = 3;

/**
 * `DISCOVERY=consul`: the node is an agent service `falconmind-cluster-center` with ID = node id,
 * tags = its current role, an HTTP check on `/health/ready` and a TTL check passed by
 * `heartbeat()`. Peers come from the health endpoint (blocking queries for `watch`). The agent is
 * asked regularly whether it still has the service: an agent restarted without its state forgot
 * it, and it is registered again (with backoff while the agent is down; health degraded meanwhile).
 */
export class ConsulDiscovery implements Discovery {
  readonly kind = 'consul';
  private readonly api: ConsulApi;
  private readonly state: HealthState;
  private readonly registration: RetryingTask;
  private readonly firstRegistration = new Deferred();
  private self: NodeAnnouncement | undefined;
  private phase: 'new' | 'running' | 'stopped' = 'new';
  private status: NodeStatus = { role: 'starting', ready: false, term: 0 };
  /** The agent has the service with the latest status, as far as we know. */
  private registered = false;
  /**
   * Counts successful registrations, so that a TTL pass or a resync that started before the latest
   * registration and fails afterwards does not declare that fresh registration lost.
   */
  private generation = 0;
  private lastHeartbeatMs = Number.NEGATIVE_INFINITY;
  private lastPassMs = Number.NEGATIVE_INFINITY;
  private passInFlight = false;
  private resyncInFlight = false;
  private resyncTimer: NodeJS.Timeout | undefined;
  private peerWatch: ConsulPeerWatch | undefined;

  constructor(
    private readonly config: ConsulDiscoveryConfig,
    private readonly logger: DiscoveryLogger,
    private readonly timings: DiscoveryTimings,
  ) {
    this.api = new ConsulApi(config, timings.requestTimeoutMs);
    this.state = new HealthState(
      logger,
      { discovery: 'consul', agent: config.httpAddr },
      { state: 'degraded', detail: 'not registered yet' },
    );
    this.registration = new RetryingTask(
      () => this.register(),
      new Backoff(timings.retryMinMs, timings.retryMaxMs),
      {
        onSuccess: () => {
          this.registered = true;
          this.generation += 1;
          this.state.up(`service ${this.self?.nodeId} registered with the agent`);
          this.firstRegistration.resolve();
        },
        onFailure: (error) => {
          this.registered = false;
          this.state.degraded(`cannot register with the Consul agent: ${describeError(error)}`);
          this.logger.debug('Consul registration failed, retrying', {
            error: describeError(error),
          });
        },
      },
    );
  }

  async start(self: NodeAnnouncement, status: NodeStatus): Promise<void> {
    if (this.phase === 'stopped') throw new DiscoveryNotRunningError('start', 'stopped');
    if (this.phase === 'running') throw new Error('start: discovery was already started');
    this.phase = 'running';
    this.self = self;
    this.status = status;
    this.registration.request();
    this.resyncTimer = setInterval(() => this.resync(), this.timings.consulResyncIntervalMs);
    await this.firstRegistration.waitAtMost(this.timings.startTimeoutMs);
  }

  setStatus(status: NodeStatus): void {
    this.status = status;
    // Re-registering is how an agent service's tags and meta change; the agent keeps the checks'
    // states when their definitions are unchanged.
    if (this.phase === 'running') this.registration.request();
  }

  heartbeat(): void {
    if (this.phase !== 'running') return;
    const now = performance.now();
    this.lastHeartbeatMs = now;
    if (!this.registered || this.passInFlight) return;
    if (now - this.lastPassMs < this.timings.consulTtlPassIntervalMs) return;
    this.passTtlCheck();
  }

  async listNodes(): Promise<DiscoveredNode[]> {
    const self = this.selfOf('listNodes');
    const answer = await this.api.healthService(CONSUL_SERVICE_NAME, { index: 0, waitMs: 0 });
    return this.readNodes(answer.entries, self.clusterId);
  }

  watch(listener: NodeListListener): () => void {
    const { clusterId } = this.selfOf('watch');
    this.peerWatch ??= new ConsulPeerWatch(
      this.api,
      (entries) => this.readNodes(entries, clusterId),
      this.logger,
      this.timings,
    );
    return this.peerWatch.subscribe(listener);
  }

  async claimCluster(record: ClusterRecord): Promise<ClusterRecord> {
    const key = this.clusterKey('claimCluster');
    const ours = encodeClusterRecord(record);
    for (let attempt = 1; attempt <= CLAIM_ATTEMPTS; attempt++) {
      // ?cas=0 writes only if the key does not exist: exactly one claimant creates it.
      if (await this.api.createKey(key, ours)) {
        this.logger.info('cluster record claimed', { key, clusterUuid: record.clusterUuid });
        return decodeClusterRecord(ours, key);
      }
      const stored = await this.api.readKey(key);
      if (stored !== undefined) return decodeClusterRecord(stored, key);
    }
    throw new Error(`the cluster record at ${key} kept disappearing while it was being claimed`);
  }

  async readCluster(): Promise<ClusterRecord | undefined> {
    const key = this.clusterKey('readCluster');
    const stored = await this.api.readKey(key);
    return stored === undefined ? undefined : decodeClusterRecord(stored, key);
  }

  async forget(nodeId: string): Promise<void> {
    const { clusterId } = this.selfOf('forget');
    const answer = await this.api.healthService(CONSUL_SERVICE_NAME, { index: 0, waitMs: 0 });
    // Only a service of this cluster is removed: another cluster may use the same node ids.
    const entry = answer.entries.find(
      (candidate) => nodeFromHealthEntry(candidate, clusterId)?.nodeId === nodeId,
    );
    const location = entry === undefined ? undefined : agentNodeOfHealthEntry(entry);
    if (location === undefined) return;
    if (await this.api.deregisterService(location.serviceId)) {
      this.logger.info('Consul service of a removed node deregistered', { nodeId });
      return;
    }
    // Registered with another agent: remove it from the catalog. Should that agent still be alive
    // and still have the service, its anti-entropy puts it back, which is right for a live node.
    await this.api.deregisterFromCatalog(location.node, location.serviceId);
    this.logger.info('Consul service of a removed node deregistered from the catalog', {
      nodeId,
      agentNode: location.node,
    });
  }

  health(): DiscoveryHealth {
    return this.state.snapshot();
  }

  async stop(): Promise<void> {
    if (this.phase === 'stopped') return;
    const wasRunning = this.phase === 'running';
    this.phase = 'stopped';
    await this.halt();
    if (wasRunning && this.self !== undefined) {
      try {
        await this.api.deregisterService(this.self.nodeId);
      } catch (error) {
        this.logger.warn('Consul service not deregistered; the agent reaps it once critical', {
          error: describeError(error),
        });
      }
    }
    this.api.close();
    this.state.stopped();
  }

  /**
   * Test-only (reached through `libs/discovery/testing`): stops every timer and passes no more TTL
   * checks, without deregistering, as a killed process would.
   */
  async abandon(): Promise<void> {
    if (this.phase === 'stopped') return;
    this.phase = 'stopped';
    await this.halt();
    this.api.close();
  }

  /** Ends the background work shared by `stop` and `abandon`. */
  private async halt(): Promise<void> {
    clearInterval(this.resyncTimer);
    this.firstRegistration.resolve();
    await this.registration.stop();
    await this.peerWatch?.stop();
  }

  /** (Re-)registers the service with the latest status; idempotent. */
  private async register(): Promise<void> {
    const self = this.selfOf('register');
    await this.api.registerService(serviceDefinition(self, this.status, this.timings));
    // A registration that replaces one the agent lost starts with a critical TTL check: pass it now
    // when the Raft loop is known to be alive rather than waiting for the next heartbeat.
    if (
      !this.registered &&
      performance.now() - this.lastHeartbeatMs < this.timings.consulTtlCheckMs
    ) {
      await this.api.passTtlCheck(raftLoopCheckId(self.nodeId));
      this.lastPassMs = performance.now();
    }
  }

  private passTtlCheck(): void {
    const self = this.self;
    if (self === undefined) return;
    this.passInFlight = true;
    const generation = this.generation;
    this.api
      .passTtlCheck(raftLoopCheckId(self.nodeId))
      .then(() => {
        this.lastPassMs = performance.now();
      })
      .catch((error: unknown) =>
        this.registrationLost(generation, `TTL check not passed: ${describeError(error)}`),
      )
      .finally(() => {
        this.passInFlight = false;
      });
  }

  /** Asks the agent whether it still has our service; registers again when it does not. */
  private resync(): void {
    const self = this.self;
    if (!this.registered || this.resyncInFlight || self === undefined) return;
    this.resyncInFlight = true;
    const generation = this.generation;
    this.api
      .hasService(self.nodeId)
      .then((present) => {
        if (!present) this.registrationLost(generation, 'the agent no longer has the service');
      })
      .catch((error: unknown) =>
        this.registrationLost(generation, `agent unreachable: ${describeError(error)}`),
      )
      .finally(() => {
        this.resyncInFlight = false;
      });
  }

  /** `generation`: the registration the failed call was about; a newer one is not affected. */
  private registrationLost(generation: number, why: string): void {
    if (this.phase !== 'running' || generation !== this.generation) return;
    this.registered = false;
    this.state.degraded(why);
    this.registration.request();
  }

  private readNodes(entries: readonly unknown[], clusterId: string): DiscoveredNode[] {
    const nodes = new Map<string, DiscoveredNode>();
    for (const entry of entries) {
      const node = nodeFromHealthEntry(entry, clusterId);
      if (node !== undefined) nodes.set(node.nodeId, node);
    }
    return [...nodes.values()].sort((a, b) => a.nodeId.localeCompare(b.nodeId));
  }

  private clusterKey(operation: string): string {
    return `falconmind/${this.selfOf(operation).clusterId}/cluster`;
  }

  private selfOf(operation: string): NodeAnnouncement {
    if (this.phase === 'stopped') throw new DiscoveryNotRunningError(operation, 'stopped');
    if (this.self === undefined) throw new DiscoveryNotRunningError(operation, 'not started');
    return this.self;
  }
}
