import { PeerNode } from '@falconmind/config';
import { NodeId } from '@falconmind/raft';
import { MemberAddress } from '../cluster-members';
import { NodeIdentity } from './node-identity';

/** A voter of the first membership, with the address every founding node records for it. */
export interface FoundingVoter extends MemberAddress {
  readonly nodeId: NodeId;
}

/**
 * How a node with an empty log enters a cluster: it bootstraps one with the given founding voters
 * (every founding node with exactly the same list, so their first entries are identical), or it
 * joins an existing one through the given peers, as a learner.
 */
export type FormationDecision =
  | {
      readonly kind: 'bootstrap';
      readonly clusterUuid: string;
      readonly voters: readonly FoundingVoter[];
    }
  | {
      readonly kind: 'join';
      /** The incarnation to join, when known: a cluster with another uuid refuses the node. */
      readonly clusterUuid: string | undefined;
      readonly peers: readonly PeerNode[];
    };

/**
 * Decides how a node enters its cluster. Without one, the static rule of the original design
 * applies: a node told of no peers founds the cluster, the others join through `PEER_NODES`.
 * Discovery (etcd, Consul) provides one that waits for `BOOTSTRAP_EXPECT` nodes and fences the
 * choice of the first membership with a compare-and-set in the store.
 */
export interface ClusterFormation {
  /** For a node with an empty log: may wait (until `signal` aborts) for the cluster to form. */
  decide(signal: AbortSignal): Promise<FormationDecision>;
  /**
   * For a node with data: throws a ClusterIdentityError when the store describes another
   * incarnation of the cluster than the one the node's data belongs to.
   */
  verify(identity: NodeIdentity | undefined): Promise<void>;
}
