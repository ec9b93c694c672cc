import { randomUUID } from 'node:crypto';
import { PeerNode } from '@falconmind/config';
import {
  ClusterFormation,
  ClusterIdentityError,
  FormationDecision,
  NodeIdentity,
} from '@falconmind/consensus';
import { ClusterRecord, DiscoveredNode, Discovery, DiscoveryLogger } from '@falconmind/discovery';

/** How often a fresh node looks at the store again while the cluster forms. */
const POLL_MS = 250;

export interface DiscoveryFormationOptions {
  readonly nodeId: string;
  /** `BOOTSTRAP_EXPECT`; undefined: only join a cluster that formed already. */
  readonly bootstrapExpect: number | undefined;
  readonly logger: DiscoveryLogger;
}

/**
 * Forms the cluster from discovery alone. A fresh node waits until `BOOTSTRAP_EXPECT` nodes are
 * registered, then proposes the first membership (the first N by node id) as the cluster record by
 * a compare-and-set: whichever proposal the store took first is the one every node follows, so two
 * groups started apart against the same store can never found two clusters. A node named in the
 * record bootstraps with exactly its voters; any other node joins through the registered ones.
 */
export class DiscoveryFormation implements ClusterFormation {
  constructor(
    private readonly discovery: Discovery,
    private readonly options: DiscoveryFormationOptions,
  ) {}

  async decide(signal: AbortSignal): Promise<FormationDecision> {
    const said = new Set<string>();
    /** Logs a waiting state once, not on every poll. */
    const sayOnce = (message: string, fields: Record<string, unknown>) => {
      if (said.has(message)) return;
      said.add(message);
      this.options.logger.info(message, { nodeId: this.options.nodeId, ...fields });
    };
    for (;;) {
      signal.throwIfAborted();
      try {
        const record = (await this.discovery.readCluster()) ?? (await this.proposeRecord(sayOnce));
        if (record) {
          const decision = await this.decisionFor(record);
          if (decision) return decision;
          sayOnce('waiting for a registered member of the cluster to join through', {
            clusterUuid: record.clusterUuid,
          });
        }
      } catch (error) {
        sayOnce('cannot reach the discovery store yet; retrying', { error: String(error) });
      }
      await sleep(POLL_MS, signal);
    }
  }

  async verify(identity: NodeIdentity | undefined): Promise<void> {
    let record: ClusterRecord | undefined;
    try {
      record = await this.discovery.readCluster();
    } catch (error) {
      // The node's own data is what counts; the store can be checked on the next start.
      this.options.logger.warn('could not read the cluster record to verify this node against', {
        nodeId: this.options.nodeId,
        error: String(error),
      });
      return;
    }
    if (record && identity && record.clusterUuid !== identity.clusterUuid) {
      throw new ClusterIdentityError(
        `this node's data belongs to cluster incarnation ${identity.clusterUuid}, but the discovery store describes ${record.clusterUuid}: ` +
          'point it at the right store or CLUSTER_ID, or wipe its data to join as a new node',
      );
    }
  }

  /** With enough nodes registered, proposes the first membership; the store keeps the first proposal. */
  private async proposeRecord(
    sayOnce: (message: string, fields: Record<string, unknown>) => void,
  ): Promise<ClusterRecord | undefined> {
    const expect = this.options.bootstrapExpect;
    if (expect === undefined) {
      sayOnce('no cluster has formed yet; waiting to join one (BOOTSTRAP_EXPECT is not set)', {});
      return undefined;
    }
    const nodes = (await this.discovery.listNodes()).sort((a, b) =>
      a.nodeId.localeCompare(b.nodeId),
    );
    if (nodes.length < expect) {
      sayOnce('waiting for BOOTSTRAP_EXPECT nodes to register', {
        expect,
        registered: nodes.length,
      });
      return undefined;
    }
    const proposal: ClusterRecord = {
      clusterUuid: randomUUID(),
      initialVoters: nodes.slice(0, expect).map((node) => ({
        nodeId: node.nodeId,
        httpAddress: node.httpAddress,
        httpPort: node.httpPort,
        raftAddress: node.raftAddress,
        raftPort: node.raftPort,
      })),
      createdAt: new Date().toISOString(),
    };
    const stored = await this.discovery.claimCluster(proposal);
    this.options.logger.info(
      stored.clusterUuid === proposal.clusterUuid
        ? 'proposed the first membership of the cluster'
        : 'another node proposed the first membership first; following it',
      {
        nodeId: this.options.nodeId,
        clusterUuid: stored.clusterUuid,
        voters: stored.initialVoters.map((v) => v.nodeId).join(','),
      },
    );
    return stored;
  }

  private async decisionFor(record: ClusterRecord): Promise<FormationDecision | undefined> {
    if (record.initialVoters.some((voter) => voter.nodeId === this.options.nodeId)) {
      return {
        kind: 'bootstrap',
        clusterUuid: record.clusterUuid,
        voters: record.initialVoters.map((voter) => ({
          nodeId: voter.nodeId,
          address: voter.raftAddress,
          httpPort: voter.httpPort,
          raftPort: voter.raftPort,
        })),
      };
    }
    const peers = (await this.discovery.listNodes())
      .filter((node) => node.nodeId !== this.options.nodeId)
      .map(toPeerNode);
    if (peers.length === 0) return undefined;
    return { kind: 'join', clusterUuid: record.clusterUuid, peers };
  }
}

function toPeerNode(node: DiscoveredNode): PeerNode {
  return {
    nodeId: node.nodeId,
    address: node.httpAddress,
    port: node.httpPort,
    raftPort: node.raftPort,
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
