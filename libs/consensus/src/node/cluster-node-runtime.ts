import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { NodeConfig } from '@falconmind/config';
import {
  ConfChangeRejectedError,
  NodeId,
  NotLeaderError,
  RaftLogger,
  SoftState,
} from '@falconmind/raft';
import { DataSource } from 'typeorm';
import { ClusterMember, encodeMemberAddress, MemberAddress } from '../cluster-members';
import { NoLeaderError } from '../driver-errors';
import { GrpcPeerTransport, PeerTelemetryChannel } from '../grpc';
import { RaftDriver } from '../raft-driver';
import { FileSnapshotStore } from '../snapshot-store';
import { CommandApplier, TypeormStateMachine } from '../typeorm-state-machine';
import { ClusterFormation, FormationDecision } from './cluster-formation';
import { joinCluster } from './join-cluster';
import { NodeIdentity, NodeIdentityStore } from './node-identity';
import { NodeLogStore } from './node-log-store';

/** Addresses that mean "every interface": never an address to reach a node at. */
const WILDCARD_ADDRESSES = new Set(['0.0.0.0', '::', '[::]']);

/** How long a membership request waits for its change to be applied here. */
const MEMBERSHIP_TIMEOUT_MS = 10_000;
/** How often the leader looks for learners that have caught up. */
const PROMOTION_INTERVAL_MS = 500;
/** A learner within this many entries of the leader's commit index counts as caught up. */
const CAUGHT_UP_LAG = 10;

export interface ClusterNodeRuntimeOptions {
  readonly config: NodeConfig;
  readonly dataSource: DataSource;
  readonly logger: RaftLogger;
  /** The application's commands (the fleet); none means a cluster that only keeps its membership. */
  readonly applier?: CommandApplier;
  /** How a fresh node enters its cluster; default: the static rule (see ClusterFormation). */
  readonly formation?: ClusterFormation;
}

/** A member with what the leader knows of its replication. */
export interface MemberStatus {
  readonly nodeId: NodeId;
  readonly address?: string;
  readonly httpPort?: number;
  readonly raftPort?: number;
  readonly suffrage: 'voter' | 'learner';
  readonly isLeader: boolean;
  /** Known on the leader only. */
  readonly matchIndex?: number;
  readonly lag?: number;
  readonly lastContactMs?: number;
  readonly status: 'healthy' | 'lagging' | 'unreachable' | 'unknown';
}

export interface ClusterStatus {
  readonly nodeId: NodeId;
  /** The cluster incarnation this node's data belongs to, once known. */
  readonly clusterUuid: string | undefined;
  readonly advertisedAddress: string;
  readonly httpPort: number;
  readonly term: number;
  readonly role: SoftState['role'];
  readonly leaderId: NodeId;
  readonly leader?: ClusterMember;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly isMember: boolean;
  readonly members: readonly MemberStatus[];
}

/** Thrown when a request must go to the leader; carries where it is, when known. */
export class NotClusterLeaderError extends Error {
  constructor(readonly leader: ClusterMember | undefined) {
    super(
      leader ? `this node is not the leader; the leader is ${leader.nodeId}` : 'no leader is known',
    );
    this.name = 'NotClusterLeaderError';
  }
}

/** A membership request that conflicts with the current membership (HTTP 409). */
export class MembershipConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MembershipConflictError';
  }
}

/**
 * One cluster node's consensus side, wired: the log store (a file, or PostgreSQL) and the state machine, the gRPC peer
 * transport, and the Raft driver; plus the cluster's housekeeping: bootstrapping or joining at first
 * start, keeping the transport's address book equal to the replicated member list, and promoting
 * learners once they have caught up.
 */
export class ClusterNodeRuntime {
  readonly stateMachine: TypeormStateMachine;
  readonly driver: RaftDriver;
  private readonly transport: GrpcPeerTransport;
  private readonly logStore: NodeLogStore;
  private members: ClusterMember[] = [];
  private promotionTimer: NodeJS.Timeout | undefined;
  /** Aborts what start() began in the background (waiting for formation, joining). */
  private starting: AbortController | undefined;
  private readonly identityStore: NodeIdentityStore;
  private identity: NodeIdentity | undefined;
  private readonly advertised: MemberAddress;
  /** Snapshot images in transit, as files under DATA_DIR/snapshots. */
  private readonly snapshotStore: FileSnapshotStore;

  constructor(private readonly options: ClusterNodeRuntimeOptions) {
    const { config } = options;
    this.advertised = {
      address: config.advertiseAddress ?? config.nodeAddress,
      httpPort: config.nodePort,
      raftPort: config.raftPort,
    };
    this.logStore = new NodeLogStore(
      config.raftLogStore,
      config.dataDir,
      options.dataSource,
      options.logger,
    );
    this.identityStore = new NodeIdentityStore(options.dataSource);
    this.snapshotStore = new FileSnapshotStore(path.join(config.dataDir, 'snapshots'));
    this.stateMachine = new TypeormStateMachine(options.dataSource, options.applier);
    this.transport = new GrpcPeerTransport({
      nodeId: config.nodeId,
      host: config.nodeAddress,
      port: config.raftPort,
      clusterId: config.clusterId,
      clusterSecret: config.clusterSecret,
      snapshotStore: this.snapshotStore,
      logger: options.logger,
    });
    this.driver = new RaftDriver({
      nodeId: config.nodeId,
      logStore: this.logStore.store,
      stateMachine: this.stateMachine,
      transport: this.transport,
      tickMs: config.raftTickMs,
      electionTicks: config.raftElectionTicks,
      heartbeatTicks: config.raftHeartbeatTicks,
      snapshotThreshold: config.snapshotThreshold,
      snapshotStore: this.snapshotStore,
      logger: options.logger,
    });
  }

  get nodeId(): NodeId {
    return this.options.config.nodeId;
  }

  /** Best-effort telemetry to and from the peers, outside Raft (on the Raft transport's port). */
  get telemetry(): PeerTelemetryChannel {
    return this.transport.telemetry;
  }

  async start(): Promise<void> {
    const { config } = this.options;
    await this.snapshotStore.open();
    const stored = await this.logStore.open(await this.stateMachine.appliedIndex());
    const fresh = stored.entries.length === 0 && !stored.snapshot && stored.hardState.term === 0;
    this.identity = await this.identityStore.load();
    this.starting = new AbortController();
    let decision: FormationDecision | undefined;
    if (fresh) {
      decision = this.options.formation
        ? await this.options.formation.decide(this.starting.signal)
        : this.staticDecision();
    } else {
      await this.options.formation?.verify(this.identity);
    }
    // Peers from the configuration (or discovery) are where to reach the cluster at first; the
    // replicated member list takes over as soon as this node has applied it.
    for (const peer of decision?.kind === 'join' ? decision.peers : config.peers) {
      this.dialPeer(peer.nodeId, peer.address, peer.raftPort);
    }
    this.driver.onMembershipApplied(() => void this.refreshMembers());
    if (decision?.kind === 'bootstrap') {
      for (const voter of decision.voters) {
        if (voter.nodeId !== this.nodeId)
          this.dialPeer(voter.nodeId, voter.address, voter.raftPort);
      }
      await this.driver.start({
        bootstrap: { voters: decision.voters.map((v) => v.nodeId), learners: [] },
        bootstrapContexts: Object.fromEntries(
          decision.voters.map((v) => [v.nodeId, encodeMemberAddress(v)]),
        ),
      });
      await this.recordIdentity(decision.clusterUuid);
    } else {
      await this.driver.start();
    }
    await this.refreshMembers();
    this.promotionTimer = setInterval(
      () => void this.promoteCaughtUpLearners(),
      PROMOTION_INTERVAL_MS,
    );
    this.promotionTimer.unref();
    if (decision?.kind === 'join') {
      void joinCluster({
        nodeId: config.nodeId,
        self: this.advertised,
        peers: decision.peers,
        clusterId: config.clusterId,
        clusterUuid: decision.clusterUuid,
        clusterSecret: config.clusterSecret,
        signal: this.starting.signal,
        logger: this.options.logger,
        isMember: () =>
          this.driver.status().confState.learners.includes(this.nodeId) || this.isVoter(),
        onJoined: (clusterUuid) => {
          if (clusterUuid !== undefined) void this.recordIdentity(clusterUuid);
        },
        onMembers: (members) => {
          for (const member of members) {
            if (member.nodeId === this.nodeId || WILDCARD_ADDRESSES.has(member.address)) continue;
            this.dialPeer(member.nodeId, member.address, member.raftPort);
          }
        },
      });
    }
  }

  /** The uuid of the cluster incarnation this node's data belongs to, once known. */
  get clusterUuid(): string | undefined {
    return this.identity?.clusterUuid;
  }

  /** The original design's rule: a node told of no peers founds the cluster; the others join. */
  private staticDecision(): FormationDecision {
    const { config } = this.options;
    if (config.peers.length > 0)
      return { kind: 'join', clusterUuid: undefined, peers: config.peers };
    return {
      kind: 'bootstrap',
      clusterUuid: randomUUID(),
      voters: [{ nodeId: this.nodeId, ...this.advertised }],
    };
  }

  private async recordIdentity(clusterUuid: string): Promise<void> {
    const identity = { clusterId: this.options.config.clusterId, clusterUuid };
    try {
      await this.identityStore.record(identity);
      this.identity = identity;
    } catch (error) {
      this.options.logger.warn('could not record the cluster identity', {
        nodeId: this.nodeId,
        error: String(error),
      });
    }
  }

  /**
   * Stops the node. With `handOver`, a leader first hands leadership to a caught-up voter and waits
   * (up to an election timeout) for it to take over, so the cluster does not wait for a timeout.
   */
  async stop(handOver = true): Promise<void> {
    this.starting?.abort();
    if (this.promotionTimer) clearInterval(this.promotionTimer);
    if (handOver && this.driver.running && this.driver.status().role === 'leader') {
      const target = this.bestTransferTarget();
      if (target) {
        this.driver.transferLeadership(target);
        const deadline = Date.now() + this.electionTimeoutMs();
        while (Date.now() < deadline && this.driver.status().role === 'leader') await sleep(10);
      }
    }
    await this.driver.stop();
    await this.logStore.close();
  }

  status(): ClusterStatus {
    const raft = this.driver.status();
    const contact = this.driver.lastContactMs();
    const isLeader = raft.role === 'leader';
    const voters = new Set(raft.confState.voters);
    const ids = [...raft.confState.voters, ...raft.confState.learners].sort();
    const members = ids.map((id): MemberStatus => {
      // Until this node has applied a member's record, the configured peers say where it is.
      const peer = this.options.config.peers.find((p) => p.nodeId === id);
      const known =
        this.members.find((m) => m.nodeId === id && !WILDCARD_ADDRESSES.has(m.address ?? '')) ??
        (peer
          ? { address: peer.address, httpPort: peer.port, raftPort: peer.raftPort }
          : undefined);
      const progress = raft.progress.get(id);
      const self = id === this.nodeId;
      const lastContactMs = self ? 0 : contact.get(id);
      const lag = progress ? Math.max(0, raft.commit - progress.match) : undefined;
      let status: MemberStatus['status'] = 'unknown';
      if (self) status = 'healthy';
      else if (isLeader && progress) {
        if (!progress.recentActive && (lastContactMs ?? Infinity) > this.electionTimeoutMs())
          status = 'unreachable';
        else status = (lag ?? 0) > CAUGHT_UP_LAG ? 'lagging' : 'healthy';
      }
      return {
        nodeId: id,
        address: self ? this.advertised.address : known?.address,
        httpPort: self ? this.advertised.httpPort : known?.httpPort,
        raftPort: self ? this.advertised.raftPort : known?.raftPort,
        suffrage: voters.has(id) ? 'voter' : 'learner',
        isLeader: id === raft.leader,
        matchIndex: progress?.match,
        lag,
        lastContactMs,
        status,
      };
    });
    return {
      nodeId: this.nodeId,
      clusterUuid: this.identity?.clusterUuid,
      advertisedAddress: this.advertised.address,
      httpPort: this.advertised.httpPort,
      term: raft.term,
      role: raft.role,
      leaderId: raft.leader,
      leader: this.leaderMember(),
      commitIndex: raft.commit,
      appliedIndex: raft.stateMachineApplied,
      lastIndex: raft.lastIndex,
      snapshotIndex: raft.firstIndex - 1,
      isMember: ids.includes(this.nodeId),
      members,
    };
  }

  /** The leader's member record (with its HTTP address), if a leader is known. */
  leaderMember(): ClusterMember | undefined {
    const leader = this.driver.status().leader;
    if (!leader) return undefined;
    if (leader === this.nodeId) {
      return { nodeId: this.nodeId, role: 'voter', changedIndex: 0, ...this.advertised };
    }
    const member = this.members.find((m) => m.nodeId === leader);
    if (member?.address && !WILDCARD_ADDRESSES.has(member.address)) return member;
    const peer = this.options.config.peers.find((p) => p.nodeId === leader);
    if (!peer) return member;
    return {
      nodeId: leader,
      role: 'voter',
      changedIndex: 0,
      address: peer.address,
      httpPort: peer.port,
      raftPort: peer.raftPort,
    };
  }

  /**
   * Adds a node as a learner (it is promoted once caught up). Leader only. Registering a member again
   * with the same address answers as if it were new; a different address is a conflict.
   */
  async register(
    nodeId: NodeId,
    address: MemberAddress,
    expectedClusterUuid?: string,
  ): Promise<'added' | 'already-member'> {
    this.requireLeader();
    const uuid = this.identity?.clusterUuid;
    if (expectedClusterUuid !== undefined && uuid !== undefined && expectedClusterUuid !== uuid) {
      throw new MembershipConflictError(
        `${nodeId} expects cluster incarnation ${expectedClusterUuid}; this one is ${uuid}`,
      );
    }
    const { confState } = this.driver.status();
    const existing = this.members.find((m) => m.nodeId === nodeId);
    if (confState.voters.includes(nodeId) || confState.learners.includes(nodeId)) {
      // No record yet means the change that added it is not applied here yet: this is a retry of
      // that very registration, not a conflict.
      if (
        !existing ||
        (existing.address === address.address &&
          existing.raftPort === address.raftPort &&
          existing.httpPort === address.httpPort)
      ) {
        return 'already-member';
      }
      throw new MembershipConflictError(
        `${nodeId} is already a member at ${existing?.address ?? '?'}:${existing?.raftPort ?? '?'}; remove it first`,
      );
    }
    await this.changeMembership({
      type: 'add-learner',
      nodeId,
      context: encodeMemberAddress(address),
    });
    return 'added';
  }

  /** Removes a member (voter or learner). Leader only. */
  async remove(nodeId: NodeId): Promise<void> {
    this.requireLeader();
    const { confState } = this.driver.status();
    if (!confState.voters.includes(nodeId) && !confState.learners.includes(nodeId)) {
      throw new MembershipConflictError(`${nodeId} is not a member`);
    }
    await this.changeMembership({ type: 'remove-node', nodeId });
  }

  /** Hands leadership to `target` (default: the most caught-up voter). Leader only. Resolves when done. */
  async transferLeadership(target?: NodeId): Promise<NodeId> {
    this.requireLeader();
    const to = target ?? this.bestTransferTarget();
    const { confState } = this.driver.status();
    if (!to) throw new MembershipConflictError('there is no other voter to hand leadership to');
    if (to === this.nodeId) return to;
    if (!confState.voters.includes(to)) throw new MembershipConflictError(`${to} is not a voter`);
    this.driver.transferLeadership(to);
    const deadline = Date.now() + 2 * this.electionTimeoutMs();
    while (Date.now() < deadline) {
      const leader = this.driver.status().leader;
      if (leader === to) return to;
      await sleep(10);
    }
    throw new NoLeaderError(
      this.driver.status().leader,
      `the transfer to ${to} did not complete in time`,
    );
  }

  isVoter(): boolean {
    return this.driver.status().confState.voters.includes(this.nodeId);
  }

  electionTimeoutMs(): number {
    return this.options.config.raftElectionTicks * this.options.config.raftTickMs;
  }

  private requireLeader(): void {
    if (this.driver.status().role !== 'leader')
      throw new NotClusterLeaderError(this.leaderMember());
  }

  private async changeMembership(
    change: Parameters<RaftDriver['proposeConfChange']>[0],
  ): Promise<void> {
    const deadline = Date.now() + MEMBERSHIP_TIMEOUT_MS;
    for (;;) {
      try {
        await this.driver.proposeConfChange(change, MEMBERSHIP_TIMEOUT_MS);
        return;
      } catch (error) {
        if (error instanceof NotLeaderError) throw new NotClusterLeaderError(this.leaderMember());
        // Another change (a promotion, say) may still be committing: wait for it, briefly.
        if (!(error instanceof ConfChangeRejectedError) || Date.now() > deadline) throw error;
        if (/already|not a member|last voter|remove it first/.test(error.message)) {
          throw new MembershipConflictError(error.message);
        }
        await sleep(50);
      }
    }
  }

  private bestTransferTarget(): NodeId | undefined {
    const status = this.driver.status();
    let best: NodeId | undefined;
    let bestMatch = -1;
    for (const id of status.confState.voters) {
      const match = status.progress.get(id)?.match ?? -1;
      if (id !== this.nodeId && match > bestMatch) {
        best = id;
        bestMatch = match;
      }
    }
    return best;
  }

  private async refreshMembers(): Promise<void> {
    try {
      this.members = await this.stateMachine.members();
    } catch (error) {
      this.options.logger.warn('could not read the member list', {
        nodeId: this.nodeId,
        error: String(error),
      });
      return;
    }
    for (const member of this.members) {
      // A member that listens on a wildcard and advertised nothing better is reached through the
      // address its peers were configured with.
      if (member.nodeId === this.nodeId || !member.address || !member.raftPort) continue;
      if (WILDCARD_ADDRESSES.has(member.address)) continue;
      this.dialPeer(member.nodeId, member.address, member.raftPort);
    }
  }

  /** Points the transport at a peer: at its route from `RAFT_PEER_ROUTES` when one is configured. */
  private dialPeer(nodeId: NodeId, host: string, raftPort: number): void {
    const route = this.options.config.peerRoutes[nodeId];
    this.transport.setPeer(
      route ? { nodeId, host: route.host, raftPort: route.port } : { nodeId, host, raftPort },
    );
  }

  /** On the leader: a learner whose log is close enough to the commit index becomes a voter. */
  private async promoteCaughtUpLearners(): Promise<void> {
    if (!this.driver.running) return;
    const status = this.driver.status();
    if (status.role !== 'leader') return;
    for (const learner of status.confState.learners) {
      const match = status.progress.get(learner)?.match ?? 0;
      if (status.commit - match > CAUGHT_UP_LAG) continue;
      try {
        await this.driver.proposeConfChange(
          { type: 'add-voter', nodeId: learner },
          MEMBERSHIP_TIMEOUT_MS,
        );
        this.options.logger.info('promoted a caught-up learner to voter', {
          nodeId: this.nodeId,
          term: status.term,
          learner,
        });
      } catch {
        // Not now (another change is committing, or leadership moved): the next round retries.
      }
      return;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
