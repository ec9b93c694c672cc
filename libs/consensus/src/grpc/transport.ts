import * as grpc from '@grpc/grpc-js';
import { SILENT_LOGGER } from '@falconmind/raft';
import type { Message, NodeId, RaftLogger, RandomSource, Unreachability } from '@falconmind/raft';
import type { PeerEndpoint, PeerTransport } from '../transport';
import { StreamAdmission } from './auth';
import { BackoffPolicy, DEFAULT_BACKOFF, MATH_RANDOM, checkBackoffPolicy } from './backoff';
import { PeerLink, PeerLinkOptions } from './client';
import { encodeMessage, loadRaftPeerProto } from './codec';
import { RaftPeerServer } from './server';
import { MemorySnapshotStore, SnapshotStore } from '../snapshot-store';
import { SnapshotReceiver } from './snapshot-receiver';
import { SnapshotMessage, SnapshotSender } from './snapshot-sender';
import { GrpcTelemetryChannel, PeerTelemetryChannel } from './telemetry-channel';
import { TelemetryReceiver } from './telemetry-receiver';
import {
  DEFAULT_MAX_PENDING_SNAPSHOT_BYTES,
  DEFAULT_SNAPSHOT_CHUNK_BYTES,
  DEFAULT_SNAPSHOT_IDLE_TIMEOUT_MS,
  SNAPSHOT_FRAME_OVERHEAD_BYTES,
} from './snapshot-transfer';

/** Where the transport writes what it refuses, drops and reconnects (the Raft core's logger shape). */
export type TransportLogger = RaftLogger;

export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
export const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;
export const DEFAULT_MAX_BUFFERED_MESSAGES = 1_024;
export const DEFAULT_MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
export const DEFAULT_CLOSE_GRACE_MS = 1_000;
export {
  DEFAULT_MAX_PENDING_SNAPSHOT_BYTES,
  DEFAULT_SNAPSHOT_CHUNK_BYTES,
  DEFAULT_SNAPSHOT_IDLE_TIMEOUT_MS,
};
const KEEPALIVE_TIME_MS = 10_000;
const KEEPALIVE_TIMEOUT_MS = 5_000;
/** How long written snapshot chunks may stay unacknowledged before the call counts as failed. */
const SNAPSHOT_ACK_TIMEOUT_MS = 30_000;

export interface GrpcPeerTransportOptions {
  /** This node. */
  readonly nodeId: NodeId;
  /** The address to listen on, e.g. `0.0.0.0` or `127.0.0.1`. */
  readonly host: string;
  /** The node's RAFT_PORT; 0 picks a free port (read it back from {@link GrpcPeerTransport.port}). */
  readonly port: number;
  /** Streams from nodes of another cluster are refused. */
  readonly clusterId: string;
  /** When set, every stream opening must carry an HMAC proof made with it (see grpc/auth.ts). */
  readonly clusterSecret?: string;
  /** The largest encoded message sent or received (grpc max message length). Default 16 MiB. */
  readonly maxMessageBytes?: number;
  /**
   * The image bytes per chunk of a snapshot sent by InstallSnapshot. Default 1 MiB, or half of
   * maxMessageBytes when that is smaller; at most maxMessageBytes less 1 KiB.
   */
  readonly snapshotChunkBytes?: number;
  /**
   * A snapshot whose image is at most this size travels on the Raft stream like any other message
   * (and in order with it); a larger one by InstallSnapshot, in checksummed, resumable chunks.
   * Default: the chunk size (a one-chunk transfer gains nothing). 0 sends every non-empty image by
   * InstallSnapshot.
   */
  readonly snapshotInlineMaxBytes?: number;
  /**
   * Where snapshot images live: a snapshot message's data is a reference into it (see
   * snapshot-store.ts). Default: in memory, where the reference is the image itself. With any
   * store whose references are not images, every snapshot goes by InstallSnapshot.
   */
  readonly snapshotStore?: SnapshotStore;
  /** The bound of the bytes held for unfinished incoming snapshot transfers. Default 1 GiB. */
  readonly maxPendingSnapshotBytes?: number;
  /** An unfinished incoming snapshot transfer idle this long is dropped. Default 5 minutes. */
  readonly snapshotIdleTimeoutMs?: number;
  /** How long a peer has to accept a new stream. Default 2 s. */
  readonly connectTimeoutMs?: number;
  /** Reconnect backoff. Default 100 ms doubling up to 5 s, with full jitter. */
  readonly backoff?: Partial<BackoffPolicy>;
  /** Per peer: messages kept while its stream is being (re)established, or in flight. Default 1024. */
  readonly maxBufferedMessages?: number;
  /** Per peer: bytes kept while its stream is being (re)established, or in flight. Default 64 MiB. */
  readonly maxBufferedBytes?: number;
  /** The allowed difference between a peer's clock and ours in a stream opening. Default 60 s. */
  readonly maxClockSkewMs?: number;
  /** How long close() waits for streams and the server before forcing them. Default 1 s. */
  readonly closeGraceMs?: number;
  readonly logger?: TransportLogger;
  /** The jitter source. Defaults to Math.random. */
  readonly random?: RandomSource;
  /** Milliseconds since the epoch, for stream-opening timestamps. Defaults to Date.now. */
  readonly now?: () => number;
  /** TLS or other credentials; plaintext when absent. */
  readonly credentials?: {
    readonly server: grpc.ServerCredentials;
    readonly channel: grpc.ChannelCredentials;
  };
}

type TransportState = 'new' | 'starting' | 'running' | 'closed';

/**
 * The Raft peer transport over gRPC: a server on the node's RAFT_PORT receiving one stream from each
 * peer, and one outgoing stream to each peer ({@link PeerLink}). A snapshot larger than
 * `snapshotInlineMaxBytes` goes by a call of its own instead, in checksummed chunks, resumed after a
 * broken connection ({@link SnapshotSender}, {@link SnapshotReceiver}), while the stream keeps
 * flowing. `send` never throws or waits: a message it cannot deliver is dropped and the peer
 * reported through `onUnreachable`. An instance runs once: after `close()` a node makes a new one.
 */
export class GrpcPeerTransport implements PeerTransport {
  private state: TransportState = 'new';
  private boundPort: number | undefined;
  private readonly server: RaftPeerServer;
  private readonly links = new Map<NodeId, PeerLink>();
  /** Links being closed (removed peers, changed addresses), awaited by close(). */
  private readonly closingLinks = new Set<Promise<void>>();
  /** Unknown peers already reported unreachable; forgotten when the peer is set or removed. */
  private readonly reportedUnknown = new Set<NodeId>();
  private readonly messageHandlers: Array<(message: Message) => void> = [];
  private readonly unreachableHandlers: Array<(nodeId: NodeId, why: Unreachability) => void> = [];
  private readonly logger: TransportLogger;
  private readonly maxMessageBytes: number;
  private readonly closeGraceMs: number;
  private readonly linkOptions: PeerLinkOptions;
  private readonly snapshotInlineMaxBytes: number;
  private readonly snapshots: SnapshotSender;
  private readonly snapshotStore: SnapshotStore;
  private readonly telemetryChannel: GrpcTelemetryChannel;

  constructor(private readonly options: GrpcPeerTransportOptions) {
    if (options.nodeId === '') throw new RangeError('nodeId must not be empty');
    if (!isPort(options.port)) throw new RangeError(`invalid port ${options.port}`);
    this.maxMessageBytes = positive(
      options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      'maxMessageBytes',
    );
    this.closeGraceMs = positive(options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS, 'closeGraceMs');
    const snapshotChunkBytes = Math.floor(
      positive(
        options.snapshotChunkBytes ??
          Math.min(DEFAULT_SNAPSHOT_CHUNK_BYTES, Math.floor(this.maxMessageBytes / 2)),
        'snapshotChunkBytes',
      ),
    );
    if (snapshotChunkBytes + SNAPSHOT_FRAME_OVERHEAD_BYTES > this.maxMessageBytes) {
      throw new RangeError(
        `snapshotChunkBytes must leave ${SNAPSHOT_FRAME_OVERHEAD_BYTES} bytes of maxMessageBytes ` +
          `(${this.maxMessageBytes}), got ${snapshotChunkBytes}`,
      );
    }
    this.snapshotInlineMaxBytes = options.snapshotInlineMaxBytes ?? snapshotChunkBytes;
    if (!(Number.isFinite(this.snapshotInlineMaxBytes) && this.snapshotInlineMaxBytes >= 0)) {
      throw new RangeError(
        `snapshotInlineMaxBytes must be a non-negative number, got ${this.snapshotInlineMaxBytes}`,
      );
    }
    this.logger = options.logger ?? SILENT_LOGGER;
    loadRaftPeerProto();

    const now = options.now ?? Date.now;
    const grpcOptions = {
      'grpc.max_send_message_length': this.maxMessageBytes,
      'grpc.max_receive_message_length': this.maxMessageBytes,
      'grpc.keepalive_time_ms': KEEPALIVE_TIME_MS,
      'grpc.keepalive_timeout_ms': KEEPALIVE_TIMEOUT_MS,
    };
    this.linkOptions = {
      localNodeId: options.nodeId,
      clusterId: options.clusterId,
      clusterSecret: options.clusterSecret,
      credentials: options.credentials?.channel ?? grpc.credentials.createInsecure(),
      channelOptions: {
        ...grpcOptions,
        // A fresh channel per attempt, with no shared subchannel and no retries of its own, so
        // that the link's backoff is the only one.
        'grpc.use_local_subchannel_pool': 1,
        'grpc.enable_retries': 0,
      },
      connectTimeoutMs: positive(
        options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        'connectTimeoutMs',
      ),
      backoff: checkBackoffPolicy({ ...DEFAULT_BACKOFF, ...options.backoff }),
      random: options.random ?? MATH_RANDOM,
      now,
      maxBufferedMessages: positive(
        options.maxBufferedMessages ?? DEFAULT_MAX_BUFFERED_MESSAGES,
        'maxBufferedMessages',
      ),
      maxBufferedBytes: positive(
        options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
        'maxBufferedBytes',
      ),
      logger: this.logger,
      reportUnreachable: (nodeId, why) => this.reportUnreachable(nodeId, why),
    };
    this.snapshotStore = options.snapshotStore ?? new MemorySnapshotStore();
    this.snapshots = new SnapshotSender({
      ...this.linkOptions,
      snapshotStore: this.snapshotStore,
      chunkBytes: snapshotChunkBytes,
      maxMessageBytes: this.maxMessageBytes,
      ackTimeoutMs: SNAPSHOT_ACK_TIMEOUT_MS,
      endpointOf: (nodeId) => this.links.get(nodeId)?.endpoint,
    });
    this.telemetryChannel = new GrpcTelemetryChannel({
      raftLinks: () => this.links,
      linkOptions: this.linkOptions,
      logger: this.logger,
      closeGraceMs: this.closeGraceMs,
    });
    this.server = new RaftPeerServer({
      nodeId: options.nodeId,
      admission: new StreamAdmission({
        nodeId: options.nodeId,
        clusterId: options.clusterId,
        clusterSecret: options.clusterSecret,
        now,
        maxClockSkewMs: options.maxClockSkewMs,
      }),
      logger: this.logger,
      credentials: options.credentials?.server ?? grpc.ServerCredentials.createInsecure(),
      serverOptions: grpcOptions,
      deliver: (message) => this.deliver(message),
      snapshots: new SnapshotReceiver({
        nodeId: options.nodeId,
        snapshotStore: this.snapshotStore,
        logger: this.logger,
        maxPendingBytes: positive(
          options.maxPendingSnapshotBytes ?? DEFAULT_MAX_PENDING_SNAPSHOT_BYTES,
          'maxPendingSnapshotBytes',
        ),
        idleTimeoutMs: positive(
          options.snapshotIdleTimeoutMs ?? DEFAULT_SNAPSHOT_IDLE_TIMEOUT_MS,
          'snapshotIdleTimeoutMs',
        ),
        deliver: (message) => this.deliver(message),
      }),
      telemetry: new TelemetryReceiver({
        nodeId: options.nodeId,
        logger: this.logger,
        deliver: (from, payload) => this.telemetryChannel.deliver(from, payload),
      }),
    });
  }

  /** Best-effort telemetry to and from the peers, on calls of its own, after Raft's traffic. */
  get telemetry(): PeerTelemetryChannel {
    return this.telemetryChannel;
  }

  /** The port the server listens on; known once start() has resolved. */
  get port(): number {
    if (this.boundPort === undefined) throw new Error('the transport has not started');
    return this.boundPort;
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`cannot start a transport that is ${this.state}`);
    this.state = 'starting';
    let port: number;
    try {
      port = await this.server.listen(this.options.host, this.options.port);
    } catch (err) {
      this.state = 'new';
      throw err;
    }
    if (this.state !== 'starting') {
      // close() came first; leave the server it already shut down.
      await this.server.close(0);
      return;
    }
    this.boundPort = port;
    this.state = 'running';
    this.logger.info('Raft peer transport listening', {
      nodeId: this.options.nodeId,
      host: this.options.host,
      port,
    });
  }

  setPeer(endpoint: PeerEndpoint): void {
    if (this.state === 'closed') return;
    if (endpoint.nodeId === this.options.nodeId || endpoint.nodeId === '') return;
    if (!isPort(endpoint.raftPort) || endpoint.raftPort === 0) {
      this.logger.warn('ignored a peer address with an invalid port', {
        peer: endpoint.nodeId,
        port: endpoint.raftPort,
      });
      return;
    }
    this.reportedUnknown.delete(endpoint.nodeId);
    const current = this.links.get(endpoint.nodeId);
    if (
      current?.endpoint.host === endpoint.host &&
      current.endpoint.raftPort === endpoint.raftPort
    ) {
      return;
    }
    const carried = current?.takePending() ?? [];
    if (current !== undefined) this.retire(current);
    const endpointCopy = {
      nodeId: endpoint.nodeId,
      host: endpoint.host,
      raftPort: endpoint.raftPort,
    };
    this.links.set(endpoint.nodeId, new PeerLink(endpointCopy, this.linkOptions, carried));
    if (current !== undefined) this.snapshots.peerChanged(endpoint.nodeId);
    this.logger.info('set a peer address', {
      peer: endpoint.nodeId,
      host: endpoint.host,
      port: endpoint.raftPort,
    });
  }

  removePeer(nodeId: NodeId): void {
    this.reportedUnknown.delete(nodeId);
    const link = this.links.get(nodeId);
    if (link === undefined) return;
    this.links.delete(nodeId);
    this.retire(link);
    this.snapshots.peerRemoved(nodeId);
    this.logger.info('removed a peer', { peer: nodeId });
  }

  send(message: Message): void {
    try {
      if (this.state === 'closed') return;
      const link = this.links.get(message.to);
      if (link === undefined) {
        if (!this.reportedUnknown.has(message.to)) {
          this.reportedUnknown.add(message.to);
          this.logger.debug('dropped a message to an unknown peer', {
            to: message.to,
            type: message.type,
          });
          this.reportUnreachable(message.to, 'disconnected');
        }
        return;
      }
      if (this.goesByInstallSnapshot(message)) {
        this.snapshots.send(message);
        return;
      }
      let frame: Buffer;
      try {
        frame = encodeMessage(message);
      } catch (err) {
        this.logger.warn('dropped a message that cannot be encoded', {
          to: message.to,
          type: message.type,
          error: err instanceof Error ? err.message : String(err),
        });
        return;
      }
      if (frame.length > this.maxMessageBytes) {
        this.logger.warn('dropped a message over the size limit', {
          to: message.to,
          type: message.type,
          bytes: frame.length,
          limit: this.maxMessageBytes,
        });
        return;
      }
      link.send(frame);
    } catch (err) {
      // send() must never throw into the Raft loop, whatever it was given.
      this.logger.warn('dropped a message that could not be sent', {
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  onMessage(handler: (message: Message) => void): void {
    this.messageHandlers.push(handler);
  }

  onUnreachable(handler: (nodeId: NodeId, why: Unreachability) => void): void {
    this.unreachableHandlers.push(handler);
  }

  async close(): Promise<void> {
    if (this.state === 'closed') {
      await Promise.all(this.closingLinks);
      return;
    }
    this.state = 'closed';
    this.snapshots.close();
    const telemetryClosed = this.telemetryChannel.close();
    for (const link of this.links.values()) this.retire(link);
    this.links.clear();
    this.reportedUnknown.clear();
    await Promise.all([
      ...this.closingLinks,
      telemetryClosed,
      this.server.close(this.closeGraceMs),
    ]);
    this.logger.info('Raft peer transport closed', { nodeId: this.options.nodeId });
  }

  private goesByInstallSnapshot(message: Message): message is SnapshotMessage {
    const data: unknown = message.type === 'snapshot' ? message.snapshot?.data : undefined;
    if (!(data instanceof Uint8Array)) return false;
    // A reference that is not the image itself means nothing to the peer: send the image.
    if (!(this.snapshotStore instanceof MemorySnapshotStore)) return true;
    return data.length > this.snapshotInlineMaxBytes;
  }

  private retire(link: PeerLink): void {
    const closing = link.close(this.closeGraceMs);
    this.closingLinks.add(closing);
    void closing.finally(() => this.closingLinks.delete(closing));
  }

  private deliver(message: Message): void {
    if (this.state === 'closed') return;
    for (const handler of this.messageHandlers) {
      try {
        handler(message);
      } catch (err) {
        this.logger.warn('a message handler threw', {
          from: message.from,
          type: message.type,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
  }

  /** Tells the handlers later, never from inside send(): they may well step the Raft node. */
  private reportUnreachable(nodeId: NodeId, why: Unreachability): void {
    queueMicrotask(() => {
      if (this.state === 'closed') return;
      for (const handler of this.unreachableHandlers) {
        try {
          handler(nodeId, why);
        } catch (err) {
          this.logger.warn('an unreachable handler threw', {
            peer: nodeId,
            error: err instanceof Error ? err.message : String(err),
          });
        }
      }
    });
  }
}

function isPort(port: number): boolean {
  return Number.isInteger(port) && port >= 0 && port <= 65_535;
}

function positive(value: number, name: string): number {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new RangeError(`${name} must be a positive number, got ${value}`);
  }
  return value;
}
