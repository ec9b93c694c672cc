import { Hash, createHash } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { Message, NodeId, RaftLogger } from '@falconmind/raft';
import {
  SnapshotHeader,
  decodeMessage,
  decodeSnapshotFrame,
  encodeSnapshotProgress,
} from './codec';
import type { SnapshotFrame } from './codec';
import type { SnapshotImageWriter, SnapshotStore } from '../snapshot-store';
import { InboundCall, endQuietly, endWithStatus } from './server-calls';
import { chunkChecksum, snapshotTransferId } from './snapshot-transfer';

export interface SnapshotReceiverOptions {
  /** This node. */
  readonly nodeId: NodeId;
  readonly logger: RaftLogger;
  /** The bound of the bytes held for all unfinished transfers together. */
  readonly maxPendingBytes: number;
  /** An unfinished transfer without any activity for this long is dropped. */
  readonly idleTimeoutMs: number;
  /** Where incoming images are written; the delivered message carries the image's reference. */
  readonly snapshotStore: SnapshotStore;
  /** Called once per snapshot that arrived whole and matched its checksum, data attached. */
  readonly deliver: (message: Message) => void;
}

/** An incoming transfer not finished yet: the bytes received so far, and their running hash. */
interface PendingTransfer {
  readonly from: NodeId;
  readonly transferId: string;
  /** The Raft message, its `snapshot.data` still empty. */
  readonly message: Message;
  readonly imageSha256: Buffer;
  readonly totalBytes: number;
  /** The image being written to the snapshot store, once opened. */
  writer: SnapshotImageWriter | undefined;
  /** The store's writes, in order: each chunk is acknowledged once it is written. */
  writing: Promise<void>;
  /** SHA-256 of the image's bytes [0, received). */
  readonly hash: Hash;
  /** Bytes accepted (checked and queued for writing). */
  received: number;
  /** The call currently sending it, if any. */
  call: InboundCall | undefined;
  calls: number;
  readonly startedAt: number;
  readonly idleTimer: NodeJS.Timeout;
}

/** A transfer already delivered, remembered so that a sender that missed the answer is told so. */
interface CompletedTransfer {
  readonly transferId: string;
  readonly totalBytes: number;
  readonly timer: NodeJS.Timeout;
}

/**
 * The receiving half of chunked snapshot transfers (InstallSnapshot in raft-peer.proto). Keeps, in
 * memory, at most one unfinished transfer per peer, keyed by transfer id so that a new call resumes
 * it; a different snapshot from the same peer replaces it, and it is dropped after `idleTimeoutMs`
 * without activity. Every chunk is checked against its CRC-32 and the whole image against its
 * SHA-256 before the message is handed on, once.
 */
export class SnapshotReceiver {
  private readonly pending = new Map<NodeId, PendingTransfer>();
  private readonly completed = new Map<NodeId, CompletedTransfer>();
  private readonly calls = new Set<InboundCall>();
  private closed = false;

  constructor(private readonly options: SnapshotReceiverOptions) {}

  /** Bytes announced by unfinished transfers: the room they may take in the snapshot store. */
  get pendingBytes(): number {
    let total = 0;
    for (const transfer of this.pending.values()) total += transfer.totalBytes;
    return total;
  }

  /** Serves one admitted InstallSnapshot call from `sender`. */
  handle(call: InboundCall, sender: NodeId): void {
    if (this.closed) {
      endWithStatus(call, grpc.status.UNAVAILABLE, 'node is shutting down');
      return;
    }
    this.calls.add(call);
    let transfer: PendingTransfer | undefined;
    let finished = false;
    const detach = (): void => {
      finished = true;
      this.calls.delete(call);
      if (transfer?.call === call) transfer.call = undefined;
    };
    /** Ends the call with an error; the transfer, if any, keeps what it has. */
    const fail = (code: grpc.status, details: string): void => {
      detach();
      endWithStatus(call, code, details);
    };
    call.on('error', (err: Error) => {
      detach();
      this.options.logger.debug('peer snapshot call failed', { from: sender, error: err.message });
    });
    call.on('cancelled', detach);
    call.on('close', detach);
    call.on('end', () => {
      detach();
      endQuietly(call);
    });
    call.on('data', (frame: Buffer) => {
      if (finished) return;
      let decoded: SnapshotFrame;
      try {
        decoded = decodeSnapshotFrame(frame);
      } catch (err) {
        this.options.logger.warn('refused a malformed snapshot frame', {
          from: sender,
          bytes: frame.length,
          error: err instanceof Error ? err.message : String(err),
        });
        fail(grpc.status.INVALID_ARGUMENT, 'malformed snapshot frame');
        return;
      }
      if (decoded.kind === 'header') {
        if (transfer !== undefined) {
          fail(grpc.status.INVALID_ARGUMENT, 'a second snapshot header on one call');
          return;
        }
        const outcome = this.offer(call, sender, decoded.header);
        if (outcome.kind === 'refused') fail(outcome.code, outcome.details);
        else if (outcome.kind === 'done') detach();
        else transfer = outcome.transfer;
        return;
      }
      if (transfer === undefined) {
        fail(grpc.status.INVALID_ARGUMENT, 'a snapshot chunk before the header');
        return;
      }
      if (this.pending.get(sender) !== transfer || transfer.call !== call) {
        // Replaced by a newer snapshot, dropped, or taken over by a newer call of the sender's.
        fail(grpc.status.ABORTED, 'snapshot transfer superseded');
        return;
      }
      this.receiveChunk(transfer, decoded.offset, decoded.data, decoded.crc32, fail);
      // Delivered (or dropped as corrupt): nothing more is expected on this call.
      if (this.pending.get(sender) !== transfer) detach();
    });
  }

  /** Drops every unfinished transfer and ends every call. */
  close(): void {
    this.closed = true;
    for (const transfer of this.pending.values()) clearTimeout(transfer.idleTimer);
    this.pending.clear();
    for (const done of this.completed.values()) clearTimeout(done.timer);
    this.completed.clear();
    for (const call of [...this.calls]) endQuietly(call);
    this.calls.clear();
  }

  private offer(
    call: InboundCall,
    sender: NodeId,
    header: SnapshotHeader,
  ):
    | { kind: 'refused'; code: grpc.status; details: string }
    | { kind: 'done' }
    | { kind: 'receiving'; transfer: PendingTransfer } {
    const { logger, nodeId } = this.options;
    const refused = (code: grpc.status, details: string) =>
      ({ kind: 'refused', code, details }) as const;
    let message: Message;
    try {
      message = decodeMessage(Buffer.from(header.raftMessage));
    } catch (err) {
      logger.warn('refused a snapshot transfer with an undecodable message', {
        from: sender,
        error: err instanceof Error ? err.message : String(err),
      });
      return refused(grpc.status.INVALID_ARGUMENT, 'undecodable snapshot message');
    }
    const { snapshot } = message;
    if (message.type !== 'snapshot' || snapshot === undefined || snapshot.data.length !== 0) {
      logger.warn('refused a snapshot transfer whose message is not a bare snapshot', {
        from: sender,
        type: message.type,
      });
      return refused(grpc.status.INVALID_ARGUMENT, 'not a snapshot message without data');
    }
    if (message.to !== nodeId) {
      logger.warn('dropped a peer message addressed to another node', {
        from: sender,
        to: message.to,
        type: message.type,
      });
      return refused(grpc.status.FAILED_PRECONDITION, 'snapshot meant for another node');
    }
    if (message.from !== sender) {
      logger.warn('dropped a peer message whose sender differs from the stream', {
        from: message.from,
        streamFrom: sender,
        type: message.type,
      });
      return refused(grpc.status.INVALID_ARGUMENT, 'snapshot from another node');
    }
    const totalBytes = header.totalBytes;
    const expectedId = snapshotTransferId({
      from: message.from,
      to: message.to,
      term: message.term,
      index: snapshot.metadata.index,
      snapshotTerm: snapshot.metadata.term,
      totalBytes,
      imageSha256: header.imageSha256,
    });
    if (header.transferId !== expectedId) {
      logger.warn('refused a snapshot transfer whose id does not match it', { from: sender });
      return refused(grpc.status.INVALID_ARGUMENT, 'transfer id does not match the snapshot');
    }
    const transferId = expectedId;

    const done = this.completed.get(sender);
    if (done?.transferId === transferId) {
      logger.debug('a peer offered a snapshot already received', { from: sender, transferId });
      call.write(this.progress(transferId, done.totalBytes, true));
      endQuietly(call);
      return { kind: 'done' };
    }

    const current = this.pending.get(sender);
    if (current?.transferId === transferId) {
      if (current.call !== undefined && current.call !== call) {
        // The sender has one call per transfer; a new one means the old one is dead on its side.
        const old = current.call;
        current.call = undefined;
        endWithStatus(old, grpc.status.ABORTED, 'snapshot transfer resumed on another call');
      }
      current.call = call;
      current.calls += 1;
      current.idleTimer.refresh();
      logger.info('resuming a snapshot transfer from a peer', {
        from: sender,
        transferId,
        offset: current.received,
        bytes: current.totalBytes,
      });
      call.write(this.progress(transferId, current.received, false));
      return { kind: 'receiving', transfer: current };
    }
    if (current !== undefined) {
      this.drop(current);
      const old = current.call;
      current.call = undefined;
      if (old !== undefined && old !== call) {
        endWithStatus(old, grpc.status.ABORTED, 'replaced by a newer snapshot');
      }
      logger.info('replaced a pending snapshot transfer with a newer one', {
        from: sender,
        transferId,
        replacedTransferId: current.transferId,
        droppedBytes: current.received,
      });
    }

    const room = this.options.maxPendingBytes - this.pendingBytes;
    if (totalBytes > room) {
      logger.warn('refused a snapshot transfer over the limit of pending snapshot bytes', {
        from: sender,
        transferId,
        bytes: totalBytes,
        pendingBytes: this.pendingBytes,
        limit: this.options.maxPendingBytes,
      });
      return refused(grpc.status.RESOURCE_EXHAUSTED, 'snapshot too large to hold');
    }
    const transfer: PendingTransfer = {
      from: sender,
      transferId,
      message,
      imageSha256: Buffer.from(header.imageSha256),
      totalBytes,
      writer: undefined,
      writing: Promise.resolve(),
      hash: createHash('sha256'),
      received: 0,
      call,
      calls: 1,
      startedAt: performance.now(),
      idleTimer: setTimeout(() => this.expire(sender, transferId), this.options.idleTimeoutMs),
    };
    transfer.idleTimer.unref();
    transfer.writing = this.options.snapshotStore.begin().then((writer) => {
      transfer.writer = writer;
    });
    this.pending.set(sender, transfer);
    logger.info('receiving a snapshot from a peer', {
      from: sender,
      transferId,
      bytes: totalBytes,
      index: snapshot.metadata.index,
    });
    if (totalBytes === 0) {
      void this.complete(transfer, call);
      return { kind: 'done' };
    }
    call.write(this.progress(transferId, 0, false));
    return { kind: 'receiving', transfer };
  }

  private receiveChunk(
    transfer: PendingTransfer,
    offset: number,
    data: Uint8Array,
    crc32: number,
    fail: (code: grpc.status, details: string) => void,
  ): void {
    const { logger } = this.options;
    const call = transfer.call;
    if (call === undefined) return;
    if (offset !== transfer.received) {
      fail(grpc.status.INVALID_ARGUMENT, `expected a chunk at offset ${transfer.received}`);
      return;
    }
    if (data.length === 0 || offset + data.length > transfer.totalBytes) {
      fail(grpc.status.INVALID_ARGUMENT, 'a chunk outside the image');
      return;
    }
    if (chunkChecksum(data) !== crc32) {
      logger.warn('refused a snapshot chunk with a bad checksum', {
        from: transfer.from,
        transferId: transfer.transferId,
        offset,
        bytes: data.length,
      });
      fail(grpc.status.DATA_LOSS, `chunk checksum mismatch at offset ${offset}`);
      return;
    }
    transfer.hash.update(data);
    transfer.received += data.length;
    transfer.idleTimer.refresh();
    const received = transfer.received;
    const last = received === transfer.totalBytes;
    transfer.writing = transfer.writing
      .then(() => transfer.writer?.append(data))
      .then(
        () => {
          if (this.pending.get(transfer.from) !== transfer || transfer.call !== call) return;
          if (last) void this.complete(transfer, call);
          else call.write(this.progress(transfer.transferId, received, false));
        },
        (err: unknown) => this.writeFailed(transfer, err),
      );
  }

  /** The store could not take a chunk: the transfer is dropped, and the sender starts over. */
  private writeFailed(transfer: PendingTransfer, err: unknown): void {
    this.options.logger.warn('could not write a received snapshot chunk', {
      from: transfer.from,
      transferId: transfer.transferId,
      error: err instanceof Error ? err.message : String(err),
    });
    this.drop(transfer);
    if (transfer.call !== undefined) {
      endWithStatus(transfer.call, grpc.status.INTERNAL, 'could not store the snapshot');
    }
  }

  private async complete(transfer: PendingTransfer, call: InboundCall): Promise<void> {
    const { logger } = this.options;
    const { from, transferId, totalBytes } = transfer;
    clearTimeout(transfer.idleTimer);
    if (this.pending.get(from) === transfer) this.pending.delete(from);
    const digest = transfer.hash.digest();
    if (!digest.equals(transfer.imageSha256)) {
      // Every chunk matched its own checksum, yet the image does not: start it over.
      logger.warn('dropped a snapshot whose image does not match its checksum', {
        from,
        transferId,
        bytes: totalBytes,
      });
      await this.discard(transfer);
      this.calls.delete(call);
      endWithStatus(call, grpc.status.DATA_LOSS, 'snapshot image checksum mismatch');
      return;
    }
    let data: Uint8Array;
    try {
      await transfer.writing;
      if (transfer.writer === undefined) throw new Error('the snapshot store did not open');
      data = await transfer.writer.finish();
    } catch (err) {
      this.writeFailed(transfer, err);
      return;
    }
    const previous = this.completed.get(from);
    if (previous !== undefined) clearTimeout(previous.timer);
    const timer = setTimeout(() => {
      if (this.completed.get(from)?.transferId === transferId) this.completed.delete(from);
    }, this.options.idleTimeoutMs);
    timer.unref();
    this.completed.set(from, { transferId, totalBytes, timer });
    const { message } = transfer;
    const snapshot = message.snapshot;
    if (snapshot === undefined) return;
    logger.info('received a snapshot from a peer', {
      from,
      transferId,
      bytes: totalBytes,
      ms: Math.round(performance.now() - transfer.startedAt),
      calls: transfer.calls,
      index: snapshot.metadata.index,
    });
    this.options.deliver({ ...message, snapshot: { ...snapshot, data } });
    if (!call.writableEnded) {
      call.write(this.progress(transferId, totalBytes, true));
      endQuietly(call);
    }
  }

  private expire(sender: NodeId, transferId: string): void {
    const transfer = this.pending.get(sender);
    if (transfer?.transferId !== transferId) return;
    this.drop(transfer);
    if (transfer.call !== undefined) {
      endWithStatus(transfer.call, grpc.status.ABORTED, 'snapshot transfer idle for too long');
    }
    this.options.logger.info('dropped an idle snapshot transfer', {
      from: sender,
      transferId,
      offset: transfer.received,
      bytes: transfer.totalBytes,
      idleMs: this.options.idleTimeoutMs,
    });
  }

  /** Forgets an unfinished transfer and what it wrote (its call, if any, is left to the caller). */
  private drop(transfer: PendingTransfer): void {
    clearTimeout(transfer.idleTimer);
    if (this.pending.get(transfer.from) === transfer) this.pending.delete(transfer.from);
    void this.discard(transfer);
  }

  private async discard(transfer: PendingTransfer): Promise<void> {
    await transfer.writing.catch(() => undefined);
    await transfer.writer?.abort().catch(() => undefined);
    transfer.writer = undefined;
  }

  private progress(transferId: string, offset: number, complete: boolean): Buffer {
    return encodeSnapshotProgress({ nodeId: this.options.nodeId, transferId, offset, complete });
  }
}
