import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { NodeId } from '@falconmind/raft';

/**
 * What both ends of a chunked snapshot transfer (the InstallSnapshot call of raft-peer.proto) agree
 * on: how a transfer is named, and how chunks and images are checked.
 */

/** The default size of one chunk of a snapshot image. */
export const DEFAULT_SNAPSHOT_CHUNK_BYTES = 1024 * 1024;
/** The default bound of the bytes a node holds for unfinished incoming snapshot transfers. */
export const DEFAULT_MAX_PENDING_SNAPSHOT_BYTES = 1024 * 1024 * 1024;
/** The default time an unfinished incoming snapshot transfer is kept without any activity. */
export const DEFAULT_SNAPSHOT_IDLE_TIMEOUT_MS = 5 * 60_000;
/** Room left in a frame for a chunk's offset, checksum and framing (a chunk frame needs < 32). */
export const SNAPSHOT_FRAME_OVERHEAD_BYTES = 1024;
/** Chunks a sender writes ahead of the receiver's acknowledgements. */
export const SNAPSHOT_WINDOW_CHUNKS = 4;

const TRANSFER_ID_VERSION = 'falconmind-snapshot-v1';
/** Bytes hashed between two turns of the event loop, so that hashing a large image never stalls it. */
const HASH_SLICE_BYTES = 1024 * 1024;

/** What names a snapshot transfer: the same snapshot, sent again, is the same transfer. */
export interface SnapshotIdentity {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
  readonly index: number;
  readonly snapshotTerm: number;
  readonly totalBytes: number;
  readonly imageSha256: Uint8Array;
}

/** The transfer id of a snapshot: lowercase hex SHA-256 of its identity. */
export function snapshotTransferId(identity: SnapshotIdentity): string {
  const text = JSON.stringify([
    TRANSFER_ID_VERSION,
    identity.from,
    identity.to,
    identity.term,
    identity.index,
    identity.snapshotTerm,
    identity.totalBytes,
    Buffer.from(identity.imageSha256).toString('hex'),
  ]);
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The checksum of one chunk: CRC-32 (IEEE), as zlib computes it. */
export function chunkChecksum(data: Uint8Array): number {
  return crc32(data);
}

/**
 * SHA-256 of an image read a chunk at a time, a chunk per turn of the event loop. Resolves to
 * undefined as soon as `cancelled()` turns true.
 */
export async function sha256OfImage(
  chunks: AsyncIterable<Uint8Array>,
  cancelled: () => boolean,
): Promise<Buffer | undefined> {
  const hash = createHash('sha256');
  for await (const chunk of chunks) {
    if (cancelled()) return undefined;
    for (let offset = 0; offset < chunk.length; offset += HASH_SLICE_BYTES) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (cancelled()) return undefined;
      hash.update(chunk.subarray(offset, Math.min(chunk.length, offset + HASH_SLICE_BYTES)));
    }
  }
  return cancelled() ? undefined : hash.digest();
}
