import { Message, NodeId, Unreachability } from '@falconmind/raft';

/** Where a peer's Raft endpoint listens. */
export interface PeerEndpoint {
  readonly nodeId: NodeId;
  readonly host: string;
  readonly raftPort: number;
}

/**
 * Carries Raft messages between nodes (hashicorp's Transport). Delivery is best-effort and in order
 * per peer; Raft itself copes with loss. `send` never blocks the caller: a message to an unreachable
 * peer is dropped and the peer is reported through `onUnreachable`.
 */
export interface PeerTransport {
  /** Starts listening for peers. */
  start(): Promise<void>;
  /** Adds or updates a peer's address (membership and discovery call this). */
  setPeer(endpoint: PeerEndpoint): void;
  removePeer(nodeId: NodeId): void;
  send(message: Message): void;
  onMessage(handler: (message: Message) => void): void;
  /** `why`: the link is backed up, or the connection failed (the peer may be gone). */
  onUnreachable(handler: (nodeId: NodeId, why: Unreachability) => void): void;
  close(): Promise<void>;
}
