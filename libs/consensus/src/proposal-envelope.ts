import { randomBytes } from 'node:crypto';

/** Format version of the envelope, so that a later format can be told apart in an old log. */
const ENVELOPE_VERSION = 1;
const ID_BYTES = 16;

/** A command as it travels through the log: who proposed it (a unique id) and the payload. */
export interface ProposalEnvelope {
  /**
   * Hex id of the proposal, unique per call: it lets the node that took the request recognise its
   * entry when it is applied. (A client's retry is a new proposal; idempotency is the command's own.)
   */
  readonly requestId: string;
  readonly payload: Uint8Array;
}

export class MalformedEnvelopeError extends Error {}

/**
 * The first half of every id this process makes, drawn once: ids from different processes (other
 * nodes, or this node before a restart) differ in it, as two random 64-bit draws do.
 */
const PROCESS_ID_PREFIX = randomBytes(ID_BYTES / 2).toString('hex');
/** The second half: a count of the ids this process has made. */
let idsMade = 0;

/** A new id: unique per call, with no random draw per proposal (one was 2 % of a busy leader). */
export function newRequestId(): string {
  idsMade += 1;
  return PROCESS_ID_PREFIX + idsMade.toString(16).padStart(ID_BYTES, '0');
}

/** [version: 1 byte][request id: 16 bytes][payload]. */
export function encodeEnvelope(envelope: ProposalEnvelope): Uint8Array {
  const id = Buffer.from(envelope.requestId, 'hex');
  if (id.length !== ID_BYTES)
    throw new MalformedEnvelopeError(`request id must be ${ID_BYTES} bytes of hex`);
  const data = new Uint8Array(1 + ID_BYTES + envelope.payload.byteLength);
  data[0] = ENVELOPE_VERSION;
  data.set(id, 1);
  data.set(envelope.payload, 1 + ID_BYTES);
  return data;
}

/** Decodes an entry's data; undefined for an empty entry (a new leader's no-op). */
export function decodeEnvelope(data: Uint8Array): ProposalEnvelope | undefined {
  if (data.byteLength === 0) return undefined;
  if (data[0] !== ENVELOPE_VERSION || data.byteLength < 1 + ID_BYTES) {
    throw new MalformedEnvelopeError(
      `unknown entry envelope (version ${data[0]}, ${data.byteLength} bytes)`,
    );
  }
  return {
    requestId: Buffer.from(data.subarray(1, 1 + ID_BYTES)).toString('hex'),
    payload: data.subarray(1 + ID_BYTES),
  };
}
