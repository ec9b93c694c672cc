import type { NodeId, RaftLogger } from '@falconmind/raft';
import { PeerLink, PeerLinkOptions } from './client';
import { RAFT_PEER_TELEMETRY_PATH, encodeTelemetryBatch } from './telemetry-codec';
import type { TelemetryPayloadHandler } from './telemetry-receiver';

/** Batches queued per peer at most; beyond it the oldest is dropped. */
export const DEFAULT_TELEMETRY_QUEUE_BATCHES = 64;
/**
 * Batches written to a peer's telemetry call and not yet taken by grpc, at most: enough to keep the
 * call busy between turns of the event loop, few enough that a slow peer costs little memory.
 */
const MAX_INFLIGHT_BATCHES = 4;
/** How soon a flush that found every link busy or closed looks again. */
const BUSY_RETRY_MS = 5;

/** What the channel did since start, counted in items (samples), not batches. */
export interface TelemetryChannelStats {
  /** Items handed to a peer's telemetry call. */
  readonly sent: number;
  /** Items dropped: a peer's queue was full, or the peer was removed with batches still queued. */
  readonly dropped: number;
}

/** Best-effort traffic outside Raft: batches to every peer, and batches from them. */
export interface PeerTelemetryChannel {
  /**
   * Queues one batch (`items` of them, for the counts) for every current peer; never waits or
   * throws. Sent when the peer's Raft stream has nothing in flight; dropped (oldest first) when a
   * peer cannot keep up.
   */
  broadcast(payload: Uint8Array, items: number): void;
  /** Called with each batch a peer sends; more than one handler may listen. */
  onReceive(handler: TelemetryPayloadHandler): void;
  stats(): TelemetryChannelStats;
}

interface QueuedBatch {
  readonly frame: Buffer;
  readonly items: number;
}

interface TelemetryPeer {
  link: PeerLink;
  readonly queue: QueuedBatch[];
}

export interface GrpcTelemetryChannelOptions {
  /** The Raft links, by peer: who the peers are, where they are, and whether Raft is busy. */
  readonly raftLinks: () => ReadonlyMap<NodeId, PeerLink>;
  readonly linkOptions: PeerLinkOptions;
  readonly logger: RaftLogger;
  readonly closeGraceMs: number;
  readonly maxQueuedBatches?: number;
}

/**
 * The telemetry side of the peer transport: a Telemetry call of its own to each peer (a
 * {@link PeerLink} on another method), fed from a small per-peer queue that drops its oldest batch
 * when full. Raft comes first twice over: a batch is written only when the peer's Raft link has
 * nothing waiting or in flight, and only from a setImmediate turn, a few batches per peer per turn,
 * so that timers and Raft I/O run between them.
 */
export class GrpcTelemetryChannel implements PeerTelemetryChannel {
  private readonly peers = new Map<NodeId, TelemetryPeer>();
  private readonly handlers: TelemetryPayloadHandler[] = [];
  private readonly maxQueuedBatches: number;
  private readonly linkOptions: PeerLinkOptions;
  private scheduled: NodeJS.Immediate | NodeJS.Timeout | undefined;
  private closed = false;
  private sent = 0;
  private dropped = 0;

  constructor(private readonly options: GrpcTelemetryChannelOptions) {
    this.maxQueuedBatches = options.maxQueuedBatches ?? DEFAULT_TELEMETRY_QUEUE_BATCHES;
    const logger = options.logger;
    this.linkOptions = {
      ...options.linkOptions,
      methodPath: RAFT_PEER_TELEMETRY_PATH,
      // Raft hears about unreachable peers from its own links; telemetry has nothing to add.
      reportUnreachable: () => undefined,
      // The link's messages speak of "a stream": say which one, and leave the warnings about an
      // unreachable peer to the Raft link, which says the same.
      logger: {
        debug: (msg, fields) => logger.debug(`telemetry: ${msg}`, fields),
        info: (msg, fields) => logger.debug(`telemetry: ${msg}`, fields),
        warn: (msg, fields) => logger.debug(`telemetry: ${msg}`, fields),
      },
    };
  }

  broadcast(payload: Uint8Array, items: number): void {
    if (this.closed) return;
    let frame: Buffer;
    try {
      frame = encodeTelemetryBatch(payload);
    } catch (err) {
      this.options.logger.warn('telemetry: cannot encode a batch', {
        error: err instanceof Error ? err.message : String(err),
      });
      return;
    }
    this.syncPeers();
    for (const peer of this.peers.values()) {
      peer.queue.push({ frame, items });
      if (peer.queue.length > this.maxQueuedBatches) {
        this.dropped += peer.queue.shift()?.items ?? 0;
      }
    }
    this.schedule(false);
  }

  onReceive(handler: TelemetryPayloadHandler): void {
    this.handlers.push(handler);
  }

  stats(): TelemetryChannelStats {
    return { sent: this.sent, dropped: this.dropped };
  }

  /** Hands a received batch to the handlers (the transport's receiver calls it). */
  deliver(from: NodeId, payload: Uint8Array): void {
    if (this.closed) return;
    for (const handler of this.handlers) handler(from, payload);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cancelSchedule();
    const closing = [...this.peers.values()].map((peer) => this.retire(peer));
    this.peers.clear();
    await Promise.all(closing);
  }

  /** Follows the Raft links: a telemetry link per peer, at the same address. */
  private syncPeers(): void {
    const raftLinks = this.options.raftLinks();
    for (const [nodeId, peer] of this.peers) {
      if (!raftLinks.has(nodeId)) {
        this.peers.delete(nodeId);
        void this.retire(peer);
      }
    }
    for (const [nodeId, raftLink] of raftLinks) {
      const peer = this.peers.get(nodeId);
      const endpoint = raftLink.endpoint;
      if (peer === undefined) {
        this.peers.set(nodeId, { link: new PeerLink(endpoint, this.linkOptions), queue: [] });
      } else if (
        peer.link.endpoint.host !== endpoint.host ||
        peer.link.endpoint.raftPort !== endpoint.raftPort
      ) {
        void peer.link.close(0);
        peer.link = new PeerLink(endpoint, this.linkOptions);
      }
    }
  }

  private flush(): void {
    this.scheduled = undefined;
    if (this.closed) return;
    const raftLinks = this.options.raftLinks();
    let wrote = false;
    let waiting = false;
    for (const [nodeId, peer] of this.peers) {
      if (peer.queue.length === 0) continue;
      const raftLink = raftLinks.get(nodeId);
      if (!peer.link.isOpen || (raftLink !== undefined && !raftLink.idle)) {
        waiting = true;
        continue;
      }
      while (peer.queue.length > 0 && peer.link.inflight < MAX_INFLIGHT_BATCHES) {
        const batch = peer.queue.shift() as QueuedBatch;
        peer.link.send(batch.frame);
        this.sent += batch.items;
        wrote = true;
      }
      if (peer.queue.length > 0) waiting = true;
    }
    if (waiting) this.schedule(!wrote);
  }

  /**
   * Flushes on the next turn of the event loop (after I/O, so Raft's messages go first), or after
   * a short delay when the last flush could write nothing, so that a busy or absent peer never
   * keeps the loop spinning.
   */
  private schedule(later: boolean): void {
    if (this.scheduled !== undefined || this.closed) return;
    if (later) {
      const timer = setTimeout(() => this.flush(), BUSY_RETRY_MS);
      timer.unref();
      this.scheduled = timer;
    } else {
      this.scheduled = setImmediate(() => this.flush());
    }
  }

  private cancelSchedule(): void {
    const scheduled = this.scheduled;
    this.scheduled = undefined;
    if (scheduled === undefined) return;
    if ('refresh' in scheduled) clearTimeout(scheduled);
    else clearImmediate(scheduled);
  }

  private retire(peer: TelemetryPeer): Promise<void> {
    for (const batch of peer.queue) this.dropped += batch.items;
    peer.queue.length = 0;
    return peer.link.close(this.options.closeGraceMs);
  }
}
