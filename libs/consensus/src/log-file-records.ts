import { crc32 } from 'node:zlib';
import { ConfState, Entry, HardState, SnapshotMetadata } from '@falconmind/raft';
import { ENTRY_TYPE_CODE, entryTypeOfCode } from './entities/raft-log-entry.entity';

/**
 * One write to the log file: what one `persist` or `compact` asked for, or, at the head of a
 * rewritten file, the whole state. Replaying the records of a file in order gives the store's state.
 */
export interface LogRecord {
  /** A snapshot installed from the leader: replaces the whole log if newer than the stored one. */
  readonly installedSnapshot?: SnapshotMetadata;
  /** A local snapshot: recorded if newer, and the entries it covers dropped. */
  readonly compactedTo?: SnapshotMetadata;
  readonly entries: readonly Entry[];
  readonly hardState?: HardState;
}

/**
 * On disk a record is `[u32 payload length][u32 CRC-32 of the payload][payload]`, little-endian.
 * The payload is `[u32 header length][header: JSON][the entries' data, one after another]`: the
 * header holds everything but the entries' bytes, which follow it as they are.
 */
const FRAME_BYTES = 8;
const HEADER_LENGTH_BYTES = 4;

interface RecordHeader {
  /** [index, term, voters, learners] */
  readonly install?: [number, number, readonly string[], readonly string[]];
  readonly compact?: [number, number, readonly string[], readonly string[]];
  /** [term, vote, commit] */
  readonly hard?: [number, string, number];
  /** [index, term, type code, data length] of each entry */
  readonly entries: Array<[number, number, number, number]>;
}

function metadataTuple(
  metadata: SnapshotMetadata,
): [number, number, readonly string[], readonly string[]] {
  return [metadata.index, metadata.term, metadata.confState.voters, metadata.confState.learners];
}

function metadataOf([index, term, voters, learners]: [
  number,
  number,
  readonly string[],
  readonly string[],
]): SnapshotMetadata {
  const confState: ConfState = { voters: [...voters], learners: [...learners] };
  return { index, term, confState };
}

/** The bytes of one record, framed, ready to append. */
export function encodeLogRecord(record: LogRecord): Buffer {
  const header: RecordHeader = {
    ...(record.installedSnapshot ? { install: metadataTuple(record.installedSnapshot) } : {}),
    ...(record.compactedTo ? { compact: metadataTuple(record.compactedTo) } : {}),
    ...(record.hardState
      ? { hard: [record.hardState.term, record.hardState.vote, record.hardState.commit] }
      : {}),
    entries: record.entries.map((e) => [e.index, e.term, ENTRY_TYPE_CODE[e.type], e.data.length]),
  };
  const headerBytes = Buffer.from(JSON.stringify(header));
  let dataBytes = 0;
  for (const entry of record.entries) dataBytes += entry.data.length;
  const payloadLength = HEADER_LENGTH_BYTES + headerBytes.length + dataBytes;
  const frame = Buffer.allocUnsafe(FRAME_BYTES + payloadLength);
  frame.writeUInt32LE(payloadLength, 0);
  frame.writeUInt32LE(headerBytes.length, FRAME_BYTES);
  headerBytes.copy(frame, FRAME_BYTES + HEADER_LENGTH_BYTES);
  let at = FRAME_BYTES + HEADER_LENGTH_BYTES + headerBytes.length;
  for (const entry of record.entries) {
    frame.set(entry.data, at);
    at += entry.data.length;
  }
  frame.writeUInt32LE(crc32(frame.subarray(FRAME_BYTES)), 4);
  return frame;
}

/** What reading a log file found: its records, and where the last whole one ends. */
export interface DecodedLogFile {
  readonly records: LogRecord[];
  /** Bytes from the start that hold whole, intact records; anything after is a torn tail. */
  readonly validBytes: number;
  /**
   * Set when a bad record is followed by more data: not a torn last append but damage inside the
   * file, which must not be cut off silently (it would drop acknowledged writes).
   */
  readonly corruptAt?: number;
}

/**
 * The records of a log file, up to the first one that is incomplete or fails its checksum. Each
 * append is flushed before the next is written, so only the last append can be torn by a crash:
 * a bad record is a torn tail when nothing but zeros follows where it claims to end (a file
 * system may extend a file with zeros before its data lands), and damage otherwise.
 */
export function decodeLogFile(bytes: Buffer): DecodedLogFile {
  const records: LogRecord[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const record = decodeRecordAt(bytes, offset);
    if (!record.decoded) {
      return record.tornTail
        ? { records, validBytes: offset }
        : { records, validBytes: offset, corruptAt: offset };
    }
    records.push(record.decoded);
    offset = record.end;
  }
  return { records, validBytes: offset };
}

type RecordAt =
  | { readonly decoded: LogRecord; readonly end: number }
  | { readonly decoded?: undefined; readonly tornTail: boolean };

/** The record at `offset`, or whether the bad bytes there can only be a torn last append. */
function decodeRecordAt(bytes: Buffer, offset: number): RecordAt {
  // A frame cut short, or no length yet: only the end of the file can look like this after a crash.
  if (offset + FRAME_BYTES > bytes.length) return { tornTail: true };
  const payloadLength = bytes.readUInt32LE(offset);
  if (payloadLength < HEADER_LENGTH_BYTES) return { tornTail: onlyZeros(bytes, offset) };
  const end = offset + FRAME_BYTES + payloadLength;
  if (end > bytes.length) return { tornTail: true };
  const payload = bytes.subarray(offset + FRAME_BYTES, end);
  const decoded =
    crc32(payload) === bytes.readUInt32LE(offset + 4) ? decodePayload(payload) : undefined;
  return decoded ? { decoded, end } : { tornTail: onlyZeros(bytes, end) };
}

function onlyZeros(bytes: Buffer, from: number): boolean {
  for (let i = from; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

function decodePayload(payload: Buffer): LogRecord | undefined {
  const headerLength = payload.readUInt32LE(0);
  if (HEADER_LENGTH_BYTES + headerLength > payload.length) return undefined;
  const header = JSON.parse(
    payload.toString('utf8', HEADER_LENGTH_BYTES, HEADER_LENGTH_BYTES + headerLength),
  ) as RecordHeader;
  let at = HEADER_LENGTH_BYTES + headerLength;
  const entries: Entry[] = [];
  for (const [index, term, typeCode, length] of header.entries) {
    if (at + length > payload.length) return undefined;
    // A copy of its own: the file's buffer is dropped once read.
    const data = new Uint8Array(length);
    data.set(payload.subarray(at, at + length));
    entries.push({ index, term, type: entryTypeOfCode(typeCode), data });
    at += length;
  }
  if (at !== payload.length) return undefined;
  const [term, vote, commit] = header.hard ?? [];
  return {
    ...(header.install ? { installedSnapshot: metadataOf(header.install) } : {}),
    ...(header.compact ? { compactedTo: metadataOf(header.compact) } : {}),
    ...(term !== undefined && vote !== undefined && commit !== undefined
      ? { hardState: { term, vote, commit } }
      : {}),
    entries,
  };
}
