import { PeerNode } from '@falconmind/config';
import { NodeId, RaftLogger } from '@falconmind/raft';
import { MemberAddress } from '../cluster-members';

export interface JoinOptions {
  readonly nodeId: NodeId;
  readonly self: MemberAddress;
  readonly peers: readonly PeerNode[];
  readonly clusterId: string;
  /** The cluster incarnation to join, when known: one with another uuid refuses the node (409). */
  readonly clusterUuid?: string;
  readonly clusterSecret?: string;
  readonly signal: AbortSignal;
  readonly logger: RaftLogger;
  /** Whether this node already appears in the membership it has applied (then joining is done). */
  readonly isMember: () => boolean;
  /** Called once accepted, with the uuid of the cluster incarnation the leader belongs to. */
  readonly onJoined?: (clusterUuid: string | undefined) => void;
  /**
   * Called with the members the leader listed when it accepted us: until this node has applied the
   * member list itself, it needs their Raft addresses to answer the leader at all.
   */
  readonly onMembers: (
    members: ReadonlyArray<{ nodeId: NodeId; address: string; raftPort: number }>,
  ) => void;
}

/** Header with which a node proves to its peers' HTTP API that it belongs to the cluster. */
export const CLUSTER_SECRET_HEADER = 'x-falconmind-cluster-secret';

const FIRST_RETRY_MS = 200;
const MAX_RETRY_MS = 5_000;
const REQUEST_TIMEOUT_MS = 5_000;

/**
 * Asks the configured peers, in turn, to add this node (`POST /cluster/register`, which any node
 * forwards to the leader), until one accepts or the node finds itself in the membership it applied.
 * Retries with exponential backoff and jitter, as the original design's retry policy.
 */
export async function joinCluster(options: JoinOptions): Promise<void> {
  const body = JSON.stringify({
    node_id: options.nodeId,
    address: options.self.address,
    port: options.self.httpPort,
    raft_port: options.self.raftPort,
    cluster_id: options.clusterId,
    ...(options.clusterUuid !== undefined ? { cluster_uuid: options.clusterUuid } : {}),
  });
  let delay = FIRST_RETRY_MS;
  for (let attempt = 1; !options.signal.aborted; attempt++) {
    if (options.isMember()) return;
    for (const peer of options.peers) {
      if (options.signal.aborted) return;
      const url = `http://${hostForUrl(peer.address)}:${peer.port}/cluster/register`;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(options.clusterSecret ? { [CLUSTER_SECRET_HEADER]: options.clusterSecret } : {}),
          },
          body,
          signal: AbortSignal.any([options.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
        });
        if (response.ok) {
          const answer: unknown = await response.json().catch(() => ({}));
          options.onMembers(membersOf(answer));
          options.onJoined?.(clusterUuidOf(answer));
          options.logger.info('joined the cluster as a learner', {
            nodeId: options.nodeId,
            through: peer.nodeId,
          });
          return;
        }
        if (response.status === 401 || response.status === 409) {
          // Permanent: the wrong cluster secret, or a node of another cluster. Retrying cannot help.
          options.logger.warn(
            'the cluster refused this node for good; fix CLUSTER_SECRET or CLUSTER_ID (or remove the stale cluster record) and restart',
            {
              nodeId: options.nodeId,
              peer: peer.nodeId,
              status: response.status,
              reason: (await response.text()).slice(0, 300),
            },
          );
          return;
        }
        options.logger.warn('a peer refused to add this node', {
          nodeId: options.nodeId,
          peer: peer.nodeId,
          status: response.status,
          reason: (await response.text()).slice(0, 300),
          attempt,
        });
      } catch (error) {
        if (options.signal.aborted) return;
        options.logger.debug('a peer could not be reached to join', {
          nodeId: options.nodeId,
          peer: peer.nodeId,
          error: String(error),
          attempt,
        });
      }
    }
    await sleep(delay / 2 + Math.random() * (delay / 2), options.signal);
    delay = Math.min(delay * 2, MAX_RETRY_MS);
  }
}

/** The `cluster_uuid` of a registration answer, if it has one. */
function clusterUuidOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const uuid = (body as Record<string, unknown>).cluster_uuid;
  return typeof uuid === 'string' && uuid !== '' ? uuid : undefined;
}

/** The `members` list of a registration answer, as far as it is well formed. */
function membersOf(body: unknown): Array<{ nodeId: NodeId; address: string; raftPort: number }> {
  const list = (body as { members?: unknown } | null)?.members;
  if (!Array.isArray(list)) return [];
  return list.flatMap((item: unknown) => {
    const {
      node_id: nodeId,
      address,
      raft_port: raftPort,
    } = (item ?? {}) as Record<string, unknown>;
    return typeof nodeId === 'string' && typeof address === 'string' && Number.isInteger(raftPort)
      ? [{ nodeId, address, raftPort: raftPort as number }]
      : [];
  });
}

function hostForUrl(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
