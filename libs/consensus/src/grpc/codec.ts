import * as path from 'node:path';
import { loadSync } from '@grpc/proto-loader';
import type { MethodDefinition } from '@grpc/grpc-js';
import type {
  ConfState,
  Entry,
  EntryType,
  Message,
  MessageType,
  NodeId,
  Snapshot,
} from '@falconmind/raft';

/**
 * Turns Raft messages into the protobuf frames of `raft-peer.proto` and back. Every field of
 * {@link Message} round-trips exactly: absent optional fields stay absent, `0`/`false`/`''`/`[]` stay
 * present, byte payloads come back as plain `Uint8Array`s. Decoding treats its input as untrusted and
 * throws {@link RaftCodecError} on anything that is not a well-formed message.
 */

/** The proto file, found next to this module (nest-cli.json copies it into the build). */
export const RAFT_PEER_PROTO_PATH = path.join(__dirname, 'raft-peer.proto');

/** The full gRPC method path of the peer stream. */
export const RAFT_PEER_STREAM_PATH = '/falconmind.consensus.v1.RaftPeer/Stream';

/** The full gRPC method path of chunked snapshot transfers. */
export const RAFT_PEER_INSTALL_SNAPSHOT_PATH = '/falconmind.consensus.v1.RaftPeer/InstallSnapshot';

/** A message or frame that cannot be encoded or decoded. */
export class RaftCodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RaftCodecError';
  }
}

const MESSAGE_TYPES: Readonly<Record<MessageType, string>> = {
  append: 'MESSAGE_TYPE_APPEND',
  'append-response': 'MESSAGE_TYPE_APPEND_RESPONSE',
  vote: 'MESSAGE_TYPE_VOTE',
  'vote-response': 'MESSAGE_TYPE_VOTE_RESPONSE',
  'pre-vote': 'MESSAGE_TYPE_PRE_VOTE',
  'pre-vote-response': 'MESSAGE_TYPE_PRE_VOTE_RESPONSE',
  snapshot: 'MESSAGE_TYPE_SNAPSHOT',
  heartbeat: 'MESSAGE_TYPE_HEARTBEAT',
  'heartbeat-response': 'MESSAGE_TYPE_HEARTBEAT_RESPONSE',
  propose: 'MESSAGE_TYPE_PROPOSE',
  'read-index': 'MESSAGE_TYPE_READ_INDEX',
  'read-index-response': 'MESSAGE_TYPE_READ_INDEX_RESPONSE',
  'transfer-leader': 'MESSAGE_TYPE_TRANSFER_LEADER',
  'timeout-now': 'MESSAGE_TYPE_TIMEOUT_NOW',
};

const ENTRY_TYPES: Readonly<Record<EntryType, string>> = {
  normal: 'ENTRY_TYPE_NORMAL',
  'conf-change': 'ENTRY_TYPE_CONF_CHANGE',
};

/**
 * The fields of {@link Message} the codec carries. Typed so that a field added to Message without
 * a place in the codec (and in raft-peer.proto) fails to compile.
 */
export const MESSAGE_FIELDS: Readonly<Record<keyof Message, true>> = {
  type: true,
  from: true,
  to: true,
  term: true,
  logTerm: true,
  index: true,
  entries: true,
  commit: true,
  reject: true,
  rejectHint: true,
  snapshot: true,
  context: true,
  sentAtTick: true,
  leaseRead: true,
};

const MESSAGE_TYPE_BY_WIRE = invert(MESSAGE_TYPES);
const ENTRY_TYPE_BY_WIRE = invert(ENTRY_TYPES);

/* The objects proto-loader encodes and decodes (camelCase fields, enums by name, uint64 as number). */

interface WireEntry {
  term?: number;
  index?: number;
  type?: string | number;
  data?: Uint8Array;
}

interface WireConfState {
  voters?: string[];
  learners?: string[];
}

interface WireSnapshot {
  metadata?: { index?: number; term?: number; confState?: WireConfState };
  data?: Uint8Array;
}

interface WireMessage {
  type?: string | number;
  from?: string;
  to?: string;
  term?: number;
  logTerm?: number;
  index?: number;
  entries?: { entries?: WireEntry[] };
  commit?: number;
  reject?: boolean;
  rejectHint?: number;
  snapshot?: WireSnapshot;
  context?: string;
  sentAtTick?: number;
  leaseRead?: boolean;
}

interface WireAccepted {
  nodeId?: string;
}

interface WireSnapshotHeader {
  transferId?: string;
  raftMessage?: Uint8Array;
  totalBytes?: number;
  imageSha256?: Uint8Array;
}

interface WireSnapshotChunk {
  header?: WireSnapshotHeader;
  offset?: number;
  data?: Uint8Array;
  crc32?: number;
}

interface WireSnapshotProgress {
  nodeId?: string;
  transferId?: string;
  offset?: number;
  complete?: boolean;
}

interface RaftPeerMethods {
  readonly stream: MethodDefinition<WireMessage, WireAccepted>;
  readonly installSnapshot: MethodDefinition<WireSnapshotChunk, WireSnapshotProgress>;
}

let service: Record<string, MethodDefinition<unknown, unknown>> | undefined;

/**
 * The RaftPeer service's method `name`, checked against its full `path`. The proto is loaded once,
 * on first use, for every method (Stream, InstallSnapshot, Telemetry).
 */
export function raftPeerMethod<Request, Response>(
  name: string,
  path: string,
): MethodDefinition<Request, Response> {
  if (service === undefined) {
    const definition = loadSync(RAFT_PEER_PROTO_PATH, {
      keepCase: false,
      longs: Number,
      enums: String,
      defaults: false,
      arrays: false,
      oneofs: false,
    });
    service = (definition['falconmind.consensus.v1.RaftPeer'] ?? {}) as Record<
      string,
      MethodDefinition<unknown, unknown>
    >;
  }
  const method = service[name];
  if (method === undefined || method.path !== path) {
    throw new Error(`${RAFT_PEER_PROTO_PATH} does not define ${path}`);
  }
  return method as MethodDefinition<Request, Response>;
}

let methods: RaftPeerMethods | undefined;

function loadMethods(): RaftPeerMethods {
  methods ??= {
    stream: raftPeerMethod<WireMessage, WireAccepted>('Stream', RAFT_PEER_STREAM_PATH),
    installSnapshot: raftPeerMethod<WireSnapshotChunk, WireSnapshotProgress>(
      'InstallSnapshot',
      RAFT_PEER_INSTALL_SNAPSHOT_PATH,
    ),
  };
  return methods;
}

function streamMethod(): MethodDefinition<WireMessage, WireAccepted> {
  return loadMethods().stream;
}

/** Loads and checks the proto now, so that a missing file shows at start rather than at first send. */
export function loadRaftPeerProto(): void {
  loadMethods();
}

/** Encodes one Raft message into a protobuf frame. Throws {@link RaftCodecError} on invalid input. */
export function encodeMessage(message: Message): Buffer {
  try {
    return streamMethod().requestSerialize(toWire(message));
  } catch (err) {
    if (err instanceof RaftCodecError) throw err;
    throw new RaftCodecError(`cannot encode message: ${errorText(err)}`);
  }
}

/** Decodes one protobuf frame into a Raft message. Throws {@link RaftCodecError} on invalid input. */
export function decodeMessage(frame: Buffer): Message {
  let wire: WireMessage;
  try {
    wire = streamMethod().requestDeserialize(frame);
  } catch (err) {
    throw new RaftCodecError(`malformed frame: ${errorText(err)}`);
  }
  return fromWire(wire);
}

/** Encodes the receiver's acceptance of a stream. */
export function encodeAccepted(nodeId: NodeId): Buffer {
  return streamMethod().responseSerialize({ nodeId: requireString(nodeId, 'nodeId') });
}

/** Decodes the receiver's acceptance of a stream: the node id it answers as. */
export function decodeAccepted(frame: Buffer): NodeId {
  let wire: WireAccepted;
  try {
    wire = streamMethod().responseDeserialize(frame);
  } catch (err) {
    throw new RaftCodecError(`malformed acceptance: ${errorText(err)}`);
  }
  return optionalString(wire.nodeId, 'nodeId') ?? '';
}

/** The header of a snapshot transfer (see SnapshotHeader in raft-peer.proto). */
export interface SnapshotHeader {
  readonly transferId: string;
  /** The Raft snapshot message encoded with {@link encodeMessage}, its `snapshot.data` empty. */
  readonly raftMessage: Uint8Array;
  readonly totalBytes: number;
  /** SHA-256 of the whole image, 32 bytes. */
  readonly imageSha256: Uint8Array;
}

/** One frame of an InstallSnapshot call: the header alone, or a chunk of the image. */
export type SnapshotFrame =
  | { readonly kind: 'header'; readonly header: SnapshotHeader }
  | {
      readonly kind: 'chunk';
      readonly offset: number;
      readonly data: Uint8Array;
      readonly crc32: number;
    };

/** The receiver's answer on an InstallSnapshot call. */
export interface SnapshotProgress {
  readonly nodeId: NodeId;
  readonly transferId: string;
  readonly offset: number;
  readonly complete: boolean;
}

/** Encodes the first frame of an InstallSnapshot call. */
export function encodeSnapshotHeader(header: SnapshotHeader): Buffer {
  return loadMethods().installSnapshot.requestSerialize({
    header: {
      transferId: requireString(header.transferId, 'transferId'),
      raftMessage: requireBytes(header.raftMessage, 'raftMessage'),
      totalBytes: requireCount(header.totalBytes, 'totalBytes'),
      imageSha256: requireBytes(header.imageSha256, 'imageSha256'),
    },
  });
}

/** Encodes one chunk of a snapshot image. `data` is not copied before serialisation. */
export function encodeSnapshotChunk(offset: number, data: Uint8Array, crc32: number): Buffer {
  return loadMethods().installSnapshot.requestSerialize({
    offset: requireCount(offset, 'offset'),
    data: requireBytes(data, 'data'),
    crc32: requireCrc(crc32, 'crc32'),
  });
}

/**
 * Decodes one frame of an InstallSnapshot call. A chunk's `data` is a view into `frame` (the caller
 * copies what it keeps). Throws {@link RaftCodecError} on anything malformed.
 */
export function decodeSnapshotFrame(frame: Buffer): SnapshotFrame {
  let wire: WireSnapshotChunk;
  try {
    wire = loadMethods().installSnapshot.requestDeserialize(frame);
  } catch (err) {
    throw new RaftCodecError(`malformed snapshot frame: ${errorText(err)}`);
  }
  if (wire.header !== undefined && wire.header !== null) {
    if (wire.data !== undefined && wire.data !== null && wire.data.length > 0) {
      throw new RaftCodecError('a snapshot header frame carries no data');
    }
    const { header } = wire;
    const transferId = optionalString(header.transferId, 'transferId') ?? '';
    const imageSha256 = bytesFromWire(header.imageSha256, 'imageSha256');
    if (imageSha256.length !== 32) throw new RaftCodecError('imageSha256 must be 32 bytes');
    return {
      kind: 'header',
      header: {
        transferId,
        raftMessage: bytesFromWire(header.raftMessage, 'raftMessage'),
        totalBytes: optionalCount(header.totalBytes, 'totalBytes') ?? 0,
        imageSha256,
      },
    };
  }
  const data = wire.data === undefined || wire.data === null ? new Uint8Array(0) : wire.data;
  return {
    kind: 'chunk',
    offset: optionalCount(wire.offset, 'offset') ?? 0,
    data: requireBytes(data, 'data'),
    crc32: wire.crc32 === undefined || wire.crc32 === null ? 0 : requireCrc(wire.crc32, 'crc32'),
  };
}

/** Encodes the receiver's answer on an InstallSnapshot call. */
export function encodeSnapshotProgress(progress: SnapshotProgress): Buffer {
  return loadMethods().installSnapshot.responseSerialize({
    nodeId: requireString(progress.nodeId, 'nodeId'),
    transferId: requireString(progress.transferId, 'transferId'),
    offset: requireCount(progress.offset, 'offset'),
    complete: requireBoolean(progress.complete, 'complete'),
  });
}

/** Decodes the receiver's answer on an InstallSnapshot call. */
export function decodeSnapshotProgress(frame: Buffer): SnapshotProgress {
  let wire: WireSnapshotProgress;
  try {
    wire = loadMethods().installSnapshot.responseDeserialize(frame);
  } catch (err) {
    throw new RaftCodecError(`malformed snapshot progress: ${errorText(err)}`);
  }
  return {
    nodeId: optionalString(wire.nodeId, 'nodeId') ?? '',
    transferId: optionalString(wire.transferId, 'transferId') ?? '',
    offset: optionalCount(wire.offset, 'offset') ?? 0,
    complete: optionalBoolean(wire.complete, 'complete') ?? false,
  };
}

function toWire(message: Message): WireMessage {
  const type = Object.hasOwn(MESSAGE_TYPES, message.type) ? MESSAGE_TYPES[message.type] : undefined;
  if (type === undefined) {
    throw new RaftCodecError(`unknown message type ${String(message.type)}`);
  }
  const wire: WireMessage = {
    type,
    from: requireString(message.from, 'from'),
    to: requireString(message.to, 'to'),
    term: requireCount(message.term, 'term'),
  };
  if (message.logTerm !== undefined) wire.logTerm = requireCount(message.logTerm, 'logTerm');
  if (message.index !== undefined) wire.index = requireCount(message.index, 'index');
  if (message.entries !== undefined) {
    if (!Array.isArray(message.entries)) throw new RaftCodecError('entries is not an array');
    wire.entries = { entries: message.entries.map(entryToWire) };
  }
  if (message.commit !== undefined) wire.commit = requireCount(message.commit, 'commit');
  if (message.reject !== undefined) wire.reject = requireBoolean(message.reject, 'reject');
  if (message.rejectHint !== undefined) {
    wire.rejectHint = requireCount(message.rejectHint, 'rejectHint');
  }
  if (message.snapshot !== undefined) wire.snapshot = snapshotToWire(message.snapshot);
  if (message.context !== undefined) wire.context = requireString(message.context, 'context');
  if (message.sentAtTick !== undefined) {
    wire.sentAtTick = requireCount(message.sentAtTick, 'sentAtTick');
  }
  if (message.leaseRead !== undefined) {
    wire.leaseRead = requireBoolean(message.leaseRead, 'leaseRead');
  }
  return wire;
}

function entryToWire(entry: Entry, i: number): WireEntry {
  const type = Object.hasOwn(ENTRY_TYPES, entry.type) ? ENTRY_TYPES[entry.type] : undefined;
  if (type === undefined) throw new RaftCodecError(`entries[${i}]: unknown entry type`);
  return {
    term: requireCount(entry.term, `entries[${i}].term`),
    index: requireCount(entry.index, `entries[${i}].index`),
    type,
    data: requireBytes(entry.data, `entries[${i}].data`),
  };
}

function snapshotToWire(snapshot: Snapshot): WireSnapshot {
  const { metadata } = snapshot;
  return {
    metadata: {
      index: requireCount(metadata.index, 'snapshot.metadata.index'),
      term: requireCount(metadata.term, 'snapshot.metadata.term'),
      confState: {
        voters: requireStrings(metadata.confState.voters, 'snapshot.metadata.confState.voters'),
        learners: requireStrings(
          metadata.confState.learners,
          'snapshot.metadata.confState.learners',
        ),
      },
    },
    data: requireBytes(snapshot.data, 'snapshot.data'),
  };
}

function fromWire(wire: WireMessage): Message {
  const type = typeof wire.type === 'string' ? MESSAGE_TYPE_BY_WIRE.get(wire.type) : undefined;
  if (type === undefined) throw new RaftCodecError(`unknown message type ${String(wire.type)}`);
  const message: {
    -readonly [K in keyof Message]: Message[K];
  } = {
    type,
    from: optionalString(wire.from, 'from') ?? '',
    to: optionalString(wire.to, 'to') ?? '',
    term: optionalCount(wire.term, 'term') ?? 0,
  };
  const logTerm = optionalCount(wire.logTerm, 'logTerm');
  if (logTerm !== undefined) message.logTerm = logTerm;
  const index = optionalCount(wire.index, 'index');
  if (index !== undefined) message.index = index;
  if (wire.entries !== undefined && wire.entries !== null) {
    message.entries = (wire.entries.entries ?? []).map(entryFromWire);
  }
  const commit = optionalCount(wire.commit, 'commit');
  if (commit !== undefined) message.commit = commit;
  const reject = optionalBoolean(wire.reject, 'reject');
  if (reject !== undefined) message.reject = reject;
  const rejectHint = optionalCount(wire.rejectHint, 'rejectHint');
  if (rejectHint !== undefined) message.rejectHint = rejectHint;
  if (wire.snapshot !== undefined && wire.snapshot !== null) {
    message.snapshot = snapshotFromWire(wire.snapshot);
  }
  const context = optionalString(wire.context, 'context');
  if (context !== undefined) message.context = context;
  const sentAtTick = optionalCount(wire.sentAtTick, 'sentAtTick');
  if (sentAtTick !== undefined) message.sentAtTick = sentAtTick;
  const leaseRead = optionalBoolean(wire.leaseRead, 'leaseRead');
  if (leaseRead !== undefined) message.leaseRead = leaseRead;
  return message;
}

function entryFromWire(wire: WireEntry, i: number): Entry {
  const type = typeof wire.type === 'string' ? ENTRY_TYPE_BY_WIRE.get(wire.type) : undefined;
  if (type === undefined) {
    throw new RaftCodecError(`entries[${i}]: unknown entry type ${String(wire.type)}`);
  }
  return {
    term: optionalCount(wire.term, `entries[${i}].term`) ?? 0,
    index: optionalCount(wire.index, `entries[${i}].index`) ?? 0,
    type,
    data: bytesFromWire(wire.data, `entries[${i}].data`),
  };
}

function snapshotFromWire(wire: WireSnapshot): Snapshot {
  const metadata = wire.metadata ?? {};
  const confState: ConfState = {
    voters: stringsFromWire(metadata.confState?.voters, 'snapshot.metadata.confState.voters'),
    learners: stringsFromWire(metadata.confState?.learners, 'snapshot.metadata.confState.learners'),
  };
  return {
    metadata: {
      index: optionalCount(metadata.index, 'snapshot.metadata.index') ?? 0,
      term: optionalCount(metadata.term, 'snapshot.metadata.term') ?? 0,
      confState,
    },
    data: bytesFromWire(wire.data, 'snapshot.data'),
  };
}

/* Validation. Encoding checks what the type system cannot (a non-negative safe integer, say); decoding
 * checks everything, since a peer's frame is untrusted. */

function requireCount(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RaftCodecError(`${field} must be a non-negative safe integer, got ${String(value)}`);
  }
  return value;
}

function requireCrc(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RaftCodecError(`${field} must be an unsigned 32-bit integer, got ${String(value)}`);
  }
  return value;
}

function optionalCount(value: unknown, field: string): number | undefined {
  return value === undefined || value === null ? undefined : requireCount(value, field);
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new RaftCodecError(`${field} must be a string`);
  return value;
}

function optionalString(value: unknown, field: string): string | undefined {
  return value === undefined || value === null ? undefined : requireString(value, field);
}

function requireStrings(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) throw new RaftCodecError(`${field} must be an array of strings`);
  return value.map((item, i) => requireString(item, `${field}[${i}]`));
}

function stringsFromWire(value: unknown, field: string): NodeId[] {
  return value === undefined || value === null ? [] : requireStrings(value, field);
}

function requireBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new RaftCodecError(`${field} must be a boolean`);
  return value;
}

function optionalBoolean(value: unknown, field: string): boolean | undefined {
  return value === undefined || value === null ? undefined : requireBoolean(value, field);
}

function requireBytes(value: unknown, field: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new RaftCodecError(`${field} must be a Uint8Array`);
  return value;
}

/** A plain `Uint8Array` copy, so that the result neither is a `Buffer` nor pins the frame's memory. */
function bytesFromWire(value: unknown, field: string): Uint8Array {
  if (value === undefined || value === null) return new Uint8Array(0);
  return new Uint8Array(requireBytes(value, field));
}

function invert<K extends string>(table: Readonly<Record<K, string>>): ReadonlyMap<string, K> {
  return new Map(Object.entries(table).map(([key, wire]) => [wire as string, key as K]));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
