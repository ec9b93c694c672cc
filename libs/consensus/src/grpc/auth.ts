import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Metadata, status } from '@grpc/grpc-js';
import type { NodeId } from '@falconmind/raft';

/**
 * Admission of peer streams. Every stream opening carries, in its metadata, the sender's node id, the
 * cluster id, and the node the sender means to reach. When the cluster has a secret, it also carries
 * a millisecond timestamp, a random nonce and
 *
 *     proof = hex(HMAC-SHA256(secret, JSON.stringify(['falconmind-raft-v1', clusterId, nodeId,
 *                                                     peerId, timestamp, nonce])))
 *
 * The receiver refuses a stream whose proof is missing or wrong, whose timestamp is off from its own
 * clock by more than the allowed skew (60 s by default), or whose nonce it has already seen within
 * that window (so a recorded opening cannot be replayed). The JSON array keeps the fields apart
 * whatever characters the ids contain. The proof admits the stream, not each message: on a network
 * where someone could tamper with an admitted connection, use TLS credentials as well.
 */

/** Metadata keys of a stream opening. Values are ASCII; ids are percent-encoded. */
export const AUTH_METADATA = {
  nodeId: 'x-falconmind-node-id',
  clusterId: 'x-falconmind-cluster-id',
  peerId: 'x-falconmind-peer-id',
  timestamp: 'x-falconmind-auth-timestamp',
  nonce: 'x-falconmind-auth-nonce',
  proof: 'x-falconmind-auth-proof',
} as const;

const PROOF_VERSION = 'falconmind-raft-v1';
const DEFAULT_MAX_SKEW_MS = 60_000;
/** Nonces remembered at most; a flood beyond this is refused rather than let through unchecked. */
const MAX_REMEMBERED_NONCES = 100_000;

export interface OpeningClaims {
  readonly clusterId: string;
  /** The sender. */
  readonly nodeId: NodeId;
  /** The node the sender means to reach. */
  readonly peerId: NodeId;
  readonly timestamp: number;
  readonly nonce: string;
}

/** The HMAC proof of an opening, as lowercase hex. */
export function openingProof(secret: string, claims: OpeningClaims): string {
  const text = JSON.stringify([
    PROOF_VERSION,
    claims.clusterId,
    claims.nodeId,
    claims.peerId,
    claims.timestamp,
    claims.nonce,
  ]);
  return createHmac('sha256', secret).update(text, 'utf8').digest('hex');
}

export interface OpeningParams {
  readonly clusterId: string;
  readonly clusterSecret?: string;
  readonly nodeId: NodeId;
  readonly peerId: NodeId;
  /** Milliseconds since the epoch. */
  readonly now: number;
  /** Defaults to 16 random bytes from the system's secure generator. */
  readonly nonce?: string;
}

/** The metadata a sender attaches to a new stream. */
export function openingMetadata(params: OpeningParams): Metadata {
  const metadata = new Metadata();
  metadata.set(AUTH_METADATA.nodeId, encodeURIComponent(params.nodeId));
  metadata.set(AUTH_METADATA.clusterId, encodeURIComponent(params.clusterId));
  metadata.set(AUTH_METADATA.peerId, encodeURIComponent(params.peerId));
  if (params.clusterSecret !== undefined) {
    const claims: OpeningClaims = {
      clusterId: params.clusterId,
      nodeId: params.nodeId,
      peerId: params.peerId,
      timestamp: Math.floor(params.now),
      nonce: params.nonce ?? randomBytes(16).toString('hex'),
    };
    metadata.set(AUTH_METADATA.timestamp, String(claims.timestamp));
    metadata.set(AUTH_METADATA.nonce, claims.nonce);
    metadata.set(AUTH_METADATA.proof, openingProof(params.clusterSecret, claims));
  }
  return metadata;
}

export type Admission =
  | { readonly ok: true; readonly nodeId: NodeId }
  | {
      readonly ok: false;
      /** UNAUTHENTICATED for identity and proof problems, FAILED_PRECONDITION for a misdirected peer. */
      readonly code: status;
      readonly reason: string;
      /** The sender's claimed node id, when it gave one. */
      readonly nodeId?: string;
      /** The sender's claimed cluster id, when it gave one. */
      readonly clusterId?: string;
    };

export interface StreamAdmissionOptions {
  /** This node: streams meant for another node are refused. */
  readonly nodeId: NodeId;
  readonly clusterId: string;
  readonly clusterSecret?: string;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  readonly maxClockSkewMs?: number;
}

/** The receiving side's check of a stream opening. */
export class StreamAdmission {
  private readonly maxSkewMs: number;
  /** `nodeId \n nonce` → when it may be forgotten (its timestamp is then out of the window anyway). */
  private readonly seenNonces = new Map<string, number>();

  constructor(private readonly options: StreamAdmissionOptions) {
    this.maxSkewMs = options.maxClockSkewMs ?? DEFAULT_MAX_SKEW_MS;
  }

  check(metadata: Metadata): Admission {
    const nodeId = decodedValue(metadata, AUTH_METADATA.nodeId);
    const clusterId = decodedValue(metadata, AUTH_METADATA.clusterId);
    const peerId = decodedValue(metadata, AUTH_METADATA.peerId);
    const claimed = { nodeId, clusterId };
    if (nodeId === undefined || nodeId === '') {
      return refuse(status.UNAUTHENTICATED, 'missing sender node id', claimed);
    }
    if (clusterId !== this.options.clusterId) {
      return refuse(status.FAILED_PRECONDITION, 'cluster id mismatch', claimed);
    }
    if (peerId !== this.options.nodeId) {
      return refuse(status.FAILED_PRECONDITION, 'stream meant for another node', claimed);
    }
    const secret = this.options.clusterSecret;
    if (secret === undefined) return { ok: true, nodeId };

    const proof = textValue(metadata, AUTH_METADATA.proof);
    const timestampText = textValue(metadata, AUTH_METADATA.timestamp);
    const nonce = textValue(metadata, AUTH_METADATA.nonce);
    if (proof === undefined || timestampText === undefined || nonce === undefined) {
      return refuse(status.UNAUTHENTICATED, 'missing proof', claimed);
    }
    const timestamp = Number(timestampText);
    if (!/^\d{1,16}$/.test(timestampText) || !Number.isSafeInteger(timestamp)) {
      return refuse(status.UNAUTHENTICATED, 'malformed timestamp', claimed);
    }
    if (!/^[0-9a-f]{64}$/.test(proof) || !/^[0-9a-zA-Z_-]{16,128}$/.test(nonce)) {
      return refuse(status.UNAUTHENTICATED, 'malformed proof', claimed);
    }
    const expected = Buffer.from(
      openingProof(secret, { clusterId, nodeId, peerId, timestamp, nonce }),
      'hex',
    );
    if (!timingSafeEqual(expected, Buffer.from(proof, 'hex'))) {
      return refuse(status.UNAUTHENTICATED, 'wrong proof', claimed);
    }
    const now = this.options.now();
    if (Math.abs(now - timestamp) > this.maxSkewMs) {
      return refuse(status.UNAUTHENTICATED, 'timestamp outside the allowed clock skew', claimed);
    }
    this.forgetExpired(now);
    const key = `${nodeId}\n${nonce}`;
    if (this.seenNonces.has(key))
      return refuse(status.UNAUTHENTICATED, 'replayed opening', claimed);
    if (this.seenNonces.size >= MAX_REMEMBERED_NONCES) {
      return refuse(status.UNAUTHENTICATED, 'too many recent openings', claimed);
    }
    this.seenNonces.set(key, now + 2 * this.maxSkewMs);
    return { ok: true, nodeId };
  }

  private forgetExpired(now: number): void {
    for (const [key, expiry] of this.seenNonces) {
      if (expiry > now) break;
      this.seenNonces.delete(key);
    }
  }
}

function refuse(
  code: status,
  reason: string,
  claimed: { nodeId?: string; clusterId?: string },
): Admission {
  return { ok: false, code, reason, ...claimed };
}

function textValue(metadata: Metadata, key: string): string | undefined {
  const values = metadata.get(key);
  if (values.length !== 1) return undefined;
  const [value] = values;
  return typeof value === 'string' ? value : undefined;
}

function decodedValue(metadata: Metadata, key: string): string | undefined {
  const value = textValue(metadata, key);
  if (value === undefined) return undefined;
  try {
    return decodeURIComponent(value);
  } catch (_err) {
    return undefined;
  }
}
