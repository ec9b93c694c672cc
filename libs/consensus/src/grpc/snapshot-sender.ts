import * as grpc from '@grpc/grpc-js';
import type { Message, NodeId, Snapshot } from '@falconmind/raft';
import { type SnapshotStore, sha256WhileWritten } from '../snapshot-store';
import type { PeerEndpoint } from '../transport';
import { openingMetadata } from './auth';
import { backoffDelay } from './backoff';
import type { PeerLinkOptions } from './client';
import {
  RAFT_PEER_INSTALL_SNAPSHOT_PATH,
  SnapshotProgress,
  decodeSnapshotProgress,
  encodeMessage,
  encodeSnapshotChunk,
  encodeSnapshotHeader,
} from './codec';
import { hostPort } from './server';
import {
  SNAPSHOT_WINDOW_CHUNKS,
  chunkChecksum,
  sha256OfImage,
  snapshotTransferId,
} from './snapshot-transfer';

type OutboundCall = grpc.ClientDuplexStream<Buffer, Buffer>;

const passThrough = (frame: Buffer): Buffer => frame;

/** A Raft snapshot message: the only kind the sender takes. */
export type SnapshotMessage = Message & { readonly snapshot: Snapshot };

export interface SnapshotSenderOptions extends Pick<
  PeerLinkOptions,
  | 'localNodeId'
  | 'clusterId'
  | 'clusterSecret'
  | 'credentials'
  | 'channelOptions'
  | 'connectTimeoutMs'
  | 'backoff'
  | 'random'
  | 'now'
  | 'logger'
> {
  /** Where the images that snapshot messages reference are read from. */
  readonly snapshotStore: SnapshotStore;
  /** The largest piece of the image one chunk carries. */
  readonly chunkBytes: number;
  /** The largest frame the peer takes: a header above it cannot be sent. */
  readonly maxMessageBytes: number;
  /** How long written chunks may stay unacknowledged before the call counts as failed. */
  readonly ackTimeoutMs: number;
  /** The peer's current address, or undefined once it is no longer a peer. */
  readonly endpointOf: (nodeId: NodeId) => PeerEndpoint | undefined;
}

/** A snapshot being hashed before its transfer can start; `cancelled` once a newer one comes. */
interface Preparation {
  cancelled: boolean;
  /** What it prepares: a message for the same image, index and term is the same transfer. */
  readonly image: Uint8Array;
  readonly index: number;
  readonly term: number;
}

interface PeerSnapshots {
  active?: SnapshotTransfer;
  preparing?: Preparation;
}

/**
 * The sending half of chunked snapshot transfers, for every peer: at most one transfer per peer,
 * which a newer snapshot for that peer replaces. A snapshot is first hashed (a slice per turn of the
 * event loop, so that the Raft stream keeps flowing); when it turns out to be the very snapshot
 * already on its way, the transfer in progress simply goes on.
 */
export class SnapshotSender {
  private readonly peers = new Map<NodeId, PeerSnapshots>();
  /**
   * Each image's SHA-256, by its reference, once computed: a leader repeats a snapshot message on
   * every heartbeat response until the follower has installed it, and hashing a large image again
   * for each would never end.
   */
  private readonly imageHashes = new WeakMap<Uint8Array, Buffer>();
  private closed = false;

  constructor(private readonly options: SnapshotSenderOptions) {}

  /** Starts sending `message` to its peer. Never throws, never waits. */
  send(message: SnapshotMessage): void {
    if (this.closed) return;
    const { logger } = this.options;
    const image = message.snapshot.data;
    const index = message.snapshot.metadata.index;
    const underway = this.peers.get(message.to)?.preparing;
    if (underway?.image === image && underway.index === index && underway.term === message.term) {
      // The same snapshot is being hashed: that preparation sends it. Starting over would cancel it.
      logger.debug('this snapshot is already being prepared for the peer', {
        to: message.to,
        index,
      });
      return;
    }
    let raftMessage: Buffer;
    try {
      raftMessage = encodeMessage({
        ...message,
        snapshot: { ...message.snapshot, data: new Uint8Array(0) },
      });
    } catch (err) {
      logger.warn('dropped a message that cannot be encoded', {
        to: message.to,
        type: message.type,
        error: err instanceof Error ? err.message : String(err),
      });
      return;
    }
    const slot = this.slot(message.to);
    if (slot.preparing !== undefined) slot.preparing.cancelled = true;
    const preparation: Preparation = { cancelled: false, image, index, term: message.term };
    slot.preparing = preparation;
    this.prepare(message, raftMessage, preparation).catch((err: unknown) => {
      logger.warn('dropped a snapshot that could not be sent', {
        to: message.to,
        error: err instanceof Error ? err.message : String(err),
      });
      if (slot.preparing === preparation) slot.preparing = undefined;
      this.forgetIfIdle(message.to);
    });
  }

  /** The peer moved: the transfer in progress, if any, continues at the new address. */
  peerChanged(nodeId: NodeId): void {
    this.peers.get(nodeId)?.active?.reconnect('peer address changed');
  }

  /** The peer left: its transfers are abandoned. */
  peerRemoved(nodeId: NodeId): void {
    this.abandon(nodeId, 'peer removed');
  }

  /** Abandons every transfer; nothing is sent afterwards. */
  close(): void {
    this.closed = true;
    for (const nodeId of [...this.peers.keys()]) this.abandon(nodeId, 'transport closed');
  }

  private async prepare(
    message: SnapshotMessage,
    raftMessage: Buffer,
    preparation: Preparation,
  ): Promise<void> {
    const { logger, maxMessageBytes } = this.options;
    const { snapshotStore } = this.options;
    const image = message.snapshot.data;
    const cancelled = (): boolean => preparation.cancelled || this.closed;
    const totalBytes = await snapshotStore.size(image);
    let imageSha256 = this.imageHashes.get(image) ?? sha256WhileWritten(image);
    if (imageSha256 === undefined) {
      imageSha256 = await sha256OfImage(snapshotStore.chunks(image), cancelled);
      if (imageSha256 !== undefined) this.imageHashes.set(image, imageSha256);
    }
    const slot = this.peers.get(message.to);
    if (imageSha256 === undefined || slot?.preparing !== preparation) return;
    slot.preparing = undefined;
    const { metadata } = message.snapshot;
    const transferId = snapshotTransferId({
      from: message.from,
      to: message.to,
      term: message.term,
      index: metadata.index,
      snapshotTerm: metadata.term,
      totalBytes,
      imageSha256,
    });
    if (slot.active?.transferId === transferId) {
      logger.debug('this snapshot is already on its way to the peer', {
        to: message.to,
        transferId,
      });
      return;
    }
    const header = encodeSnapshotHeader({
      transferId,
      raftMessage,
      totalBytes,
      imageSha256,
    });
    if (header.length > maxMessageBytes) {
      logger.warn('dropped a message over the size limit', {
        to: message.to,
        type: message.type,
        bytes: header.length,
        limit: maxMessageBytes,
      });
      this.forgetIfIdle(message.to);
      return;
    }
    const transfer = new SnapshotTransfer(
      { to: message.to, transferId, index: metadata.index, image, totalBytes, header },
      this.options,
      () => {
        if (slot.active === transfer) slot.active = undefined;
        this.forgetIfIdle(message.to);
      },
    );
    const previous = slot.active;
    slot.active = transfer;
    previous?.abandon('superseded by a newer snapshot');
    transfer.start();
  }

  private abandon(nodeId: NodeId, reason: string): void {
    const slot = this.peers.get(nodeId);
    if (slot === undefined) return;
    if (slot.preparing !== undefined) slot.preparing.cancelled = true;
    slot.preparing = undefined;
    slot.active?.abandon(reason);
    slot.active = undefined;
    this.peers.delete(nodeId);
  }

  private slot(nodeId: NodeId): PeerSnapshots {
    let slot = this.peers.get(nodeId);
    if (slot === undefined) {
      slot = {};
      this.peers.set(nodeId, slot);
    }
    return slot;
  }

  private forgetIfIdle(nodeId: NodeId): void {
    const slot = this.peers.get(nodeId);
    if (slot !== undefined && slot.active === undefined && slot.preparing === undefined) {
      this.peers.delete(nodeId);
    }
  }
}

interface TransferSpec {
  readonly to: NodeId;
  readonly transferId: string;
  readonly index: number;
  /** The image's reference in the snapshot store. */
  readonly image: Uint8Array;
  readonly totalBytes: number;
  /** The encoded first frame of every call. */
  readonly header: Buffer;
}

/**
 * `connecting`: a call is open, waiting for the receiver's offset. `sending`: chunks flow, at most
 * {@link SNAPSHOT_WINDOW_CHUNKS} ahead of the acknowledgements. `waiting`: the last call failed and
 * the next one is scheduled. `done`: completed or abandoned.
 */
type TransferState = 'connecting' | 'sending' | 'waiting' | 'done';

/**
 * One snapshot on its way to one peer, over as many InstallSnapshot calls as it takes: each call
 * starts with the header, learns how much the receiver already holds, and goes on from there. A
 * failed call is retried with the stream's backoff; the backoff starts over whenever the receiver
 * holds more of the image than ever before.
 */
class SnapshotTransfer {
  private state: TransferState = 'waiting';
  private client: grpc.Client | undefined;
  private call: OutboundCall | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Failed calls since the receiver last held more of the image than ever before. */
  private attempt = 0;
  private calls = 0;
  private lastFailure: string | undefined;
  /** What the receiver acknowledged on this call, and what has been written on it. */
  private acked = 0;
  private written = 0;
  private filling = false;
  private fillAgain = false;
  /** The most the receiver ever acknowledged. */
  private highWater = 0;
  private readonly startedAt = performance.now();

  constructor(
    private readonly spec: TransferSpec,
    private readonly options: SnapshotSenderOptions,
    private readonly onDone: () => void,
  ) {}

  get transferId(): string {
    return this.spec.transferId;
  }

  start(): void {
    this.options.logger.info('sending a snapshot to a peer', {
      to: this.spec.to,
      transferId: this.spec.transferId,
      bytes: this.spec.totalBytes,
      index: this.spec.index,
      chunkBytes: this.options.chunkBytes,
    });
    this.connect();
  }

  /** Gives the transfer up for good. */
  abandon(reason: string): void {
    if (this.state === 'done') return;
    this.options.logger.info('abandoned a snapshot transfer', {
      to: this.spec.to,
      transferId: this.spec.transferId,
      reason,
      offset: this.highWater,
      bytes: this.spec.totalBytes,
    });
    this.finish();
  }

  /** Drops the current call, if any, and goes on over a new one after the backoff. */
  reconnect(reason: string): void {
    if (this.call !== undefined) this.failed(this.call, reason);
  }

  private connect(): void {
    const { options, spec } = this;
    const endpoint = options.endpointOf(spec.to);
    if (endpoint === undefined) {
      this.abandon('peer removed');
      return;
    }
    this.state = 'connecting';
    this.acked = 0;
    this.written = 0;
    this.calls += 1;
    let client: grpc.Client;
    let call: OutboundCall;
    try {
      client = new grpc.Client(
        hostPort(endpoint.host, endpoint.raftPort),
        options.credentials,
        options.channelOptions,
      );
      const metadata = openingMetadata({
        clusterId: options.clusterId,
        clusterSecret: options.clusterSecret,
        nodeId: options.localNodeId,
        peerId: spec.to,
        now: options.now(),
      });
      call = client.makeBidiStreamRequest<Buffer, Buffer>(
        RAFT_PEER_INSTALL_SNAPSHOT_PATH,
        passThrough,
        passThrough,
        metadata,
      );
    } catch (err) {
      this.client = undefined;
      this.call = undefined;
      this.retryLater(`cannot open a call: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    this.client = client;
    this.call = call;
    this.armTimer(call, options.connectTimeoutMs, 'snapshot transfer not answered');
    call.on('data', (frame: Buffer) => this.answered(call, frame));
    call.on('error', (err: grpc.ServiceError) => this.failed(call, describeError(err), err.code));
    call.on('status', (status: grpc.StatusObject) =>
      this.failed(
        call,
        status.code === grpc.status.OK
          ? 'peer ended the call'
          : `${grpc.status[status.code]}: ${status.details}`,
        status.code,
      ),
    );
    call.write(spec.header);
  }

  private answered(call: OutboundCall, frame: Buffer): void {
    if (call !== this.call || (this.state !== 'connecting' && this.state !== 'sending')) return;
    const { spec, options } = this;
    let progress: SnapshotProgress;
    try {
      progress = decodeSnapshotProgress(frame);
    } catch (_err) {
      this.failed(call, 'malformed snapshot progress');
      return;
    }
    if (progress.nodeId !== spec.to) {
      this.failed(call, `the address answers as node "${progress.nodeId}"`);
      return;
    }
    const total = spec.totalBytes;
    if (
      progress.transferId !== spec.transferId ||
      progress.offset > total ||
      progress.offset < this.acked ||
      (this.state === 'sending' && progress.offset > this.written)
    ) {
      this.failed(call, 'the peer answered for another transfer or offset');
      return;
    }
    if (this.state === 'connecting') {
      this.state = 'sending';
      this.written = progress.offset;
      const fields = {
        to: spec.to,
        transferId: spec.transferId,
        offset: progress.offset,
        bytes: total,
        call: this.calls,
      };
      if (progress.offset === 0 && this.calls === 1) {
        options.logger.info('started a snapshot transfer', fields);
      } else {
        options.logger.info('resuming a snapshot transfer', fields);
      }
    }
    this.acked = progress.offset;
    if (this.acked > this.highWater) {
      this.highWater = this.acked;
      this.attempt = 0;
      this.lastFailure = undefined;
    }
    if (progress.complete) {
      options.logger.info('completed a snapshot transfer', {
        to: spec.to,
        transferId: spec.transferId,
        bytes: total,
        ms: Math.round(performance.now() - this.startedAt),
        calls: this.calls,
      });
      this.finish();
      return;
    }
    this.pump(call);
  }

  /**
   * Writes chunks up to the window, read from the snapshot store, and watches for their
   * acknowledgement. One fill runs at a time; an acknowledgement during one asks for another.
   */
  private pump(call: OutboundCall): void {
    if (this.filling) {
      this.fillAgain = true;
      return;
    }
    this.filling = true;
    void this.fill(call).finally(() => {
      this.filling = false;
      if (this.fillAgain && call === this.call && this.state === 'sending') {
        this.fillAgain = false;
        this.pump(call);
      }
      this.fillAgain = false;
    });
  }

  private async fill(call: OutboundCall): Promise<void> {
    const { image, totalBytes } = this.spec;
    const { chunkBytes, snapshotStore } = this.options;
    const windowBytes = SNAPSHOT_WINDOW_CHUNKS * chunkBytes;
    while (this.written < totalBytes && this.written - this.acked < windowBytes) {
      const offset = this.written;
      let data: Uint8Array;
      try {
        data = await snapshotStore.read(image, offset, Math.min(chunkBytes, totalBytes - offset));
      } catch (err) {
        this.failed(call, `cannot read the snapshot image: ${String(err)}`);
        return;
      }
      if (call !== this.call || this.state !== 'sending' || offset !== this.written) return;
      if (data.length === 0) {
        this.failed(call, 'the snapshot image is shorter than announced');
        return;
      }
      call.write(encodeSnapshotChunk(offset, data, chunkChecksum(data)));
      this.written += data.length;
    }
    this.armTimer(call, this.options.ackTimeoutMs, 'snapshot chunks not acknowledged');
  }

  private armTimer(call: OutboundCall, ms: number, what: string): void {
    this.clearTimer();
    this.timer = setTimeout(() => this.failed(call, `${what} within ${ms} ms`), ms);
    this.timer.unref();
  }

  private failed(call: OutboundCall, reason: string, code?: grpc.status): void {
    if (call !== this.call || this.state === 'done' || this.state === 'waiting') return;
    this.closeCall();
    if (code === grpc.status.DATA_LOSS) {
      this.options.logger.warn('a peer refused a snapshot chunk or image on its checksum', {
        to: this.spec.to,
        transferId: this.spec.transferId,
        acknowledged: this.acked,
        reason,
      });
    }
    this.retryLater(reason);
  }

  private retryLater(reason: string): void {
    const { logger, backoff, random } = this.options;
    const delayMs = backoffDelay(this.attempt, random, backoff);
    const fields = {
      to: this.spec.to,
      transferId: this.spec.transferId,
      reason,
      offset: this.highWater,
      attempt: this.attempt + 1,
      retryInMs: delayMs,
    };
    // The same failure over and over is logged once at warn, then at debug.
    if (reason !== this.lastFailure) logger.warn('interrupted a snapshot transfer', fields);
    else logger.debug('interrupted a snapshot transfer', fields);
    this.lastFailure = reason;
    this.attempt += 1;
    this.state = 'waiting';
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.state === 'waiting') this.connect();
    }, delayMs);
    this.timer.unref();
  }

  private finish(): void {
    this.state = 'done';
    this.clearTimer();
    this.closeCall();
    this.onDone();
  }

  private closeCall(): void {
    this.clearTimer();
    const { call, client } = this;
    this.call = undefined;
    this.client = undefined;
    call?.cancel();
    client?.close();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function describeError(err: grpc.ServiceError): string {
  const code = typeof err.code === 'number' ? grpc.status[err.code] : undefined;
  return code === undefined ? err.message : `${code}: ${err.details}`;
}
