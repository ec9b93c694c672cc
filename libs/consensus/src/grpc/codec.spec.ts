import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Message, MessageType } from '@falconmind/raft';
import {
  RaftCodecError,
  decodeAccepted,
  decodeMessage,
  encodeAccepted,
  encodeMessage,
  MESSAGE_FIELDS,
} from './codec';

const ALL_TYPES: MessageType[] = [
  'append',
  'append-response',
  'vote',
  'vote-response',
  'pre-vote',
  'pre-vote-response',
  'snapshot',
  'heartbeat',
  'heartbeat-response',
  'propose',
  'read-index',
  'read-index-response',
  'transfer-leader',
  'timeout-now',
];

/** Every field set, with the awkward values: zero bytes, zeros, false, empty strings. */
const FULL: Message = {
  type: 'append',
  from: 'node-a',
  to: 'node-b',
  term: 7,
  logTerm: 0,
  index: 0,
  entries: [
    { term: 7, index: 1, type: 'normal', data: new Uint8Array([0, 0, 0]) },
    { term: 7, index: 2, type: 'conf-change', data: new Uint8Array([1, 0, 255, 0]) },
    { term: 0, index: 0, type: 'normal', data: new Uint8Array(0) },
  ],
  commit: 0,
  reject: false,
  rejectHint: 0,
  snapshot: {
    metadata: { index: 0, term: 0, confState: { voters: ['a', 'b'], learners: [] } },
    data: new Uint8Array([0, 1, 0, 2, 0]),
  },
  context: '',
  sentAtTick: 0,
  leaseRead: false,
};

function roundTrip(message: Message): Message {
  return decodeMessage(encodeMessage(message));
}

describe('raft-peer codec', () => {
  it('round-trips a message with every field set to its awkward value', () => {
    assert.deepEqual(Object.keys(FULL).sort(), Object.keys(MESSAGE_FIELDS).sort());
    assert.deepStrictEqual(roundTrip(FULL), FULL);
  });

  it('round-trips large counters and non-ASCII ids', () => {
    const message: Message = {
      type: 'heartbeat',
      from: 'nœud-α',
      to: 'узел-β',
      term: Number.MAX_SAFE_INTEGER,
      commit: 2 ** 40 + 3,
      context: 'read-42 ✓',
      sentAtTick: 123_456_789_012,
    };
    assert.deepStrictEqual(roundTrip(message), message);
  });

  it('keeps absent optional fields absent, and term 0', () => {
    const message: Message = { type: 'propose', from: 'a', to: 'b', term: 0 };
    const decoded = roundTrip(message);
    assert.deepStrictEqual(decoded, message);
    assert.deepStrictEqual(Object.keys(decoded).sort(), ['from', 'term', 'to', 'type']);
  });

  it('keeps an empty entry list distinct from no entries', () => {
    const empty: Message = { type: 'append', from: 'a', to: 'b', term: 1, entries: [] };
    assert.deepStrictEqual(roundTrip(empty).entries, []);
    assert.equal('entries' in roundTrip({ ...empty, entries: undefined }), false);
  });

  it('round-trips each message type, with presence exactly as given', () => {
    for (const [i, type] of ALL_TYPES.entries()) {
      const message: Message = {
        type,
        from: 'x',
        to: 'y',
        term: i,
        ...(i % 2 === 0 ? { reject: true, rejectHint: i } : { index: i, logTerm: i + 1 }),
        ...(i % 3 === 0 ? { leaseRead: true, context: `ctx-${i}` } : {}),
      };
      assert.deepStrictEqual(roundTrip(message), message, type);
    }
  });

  it('returns plain Uint8Arrays that own their bytes', () => {
    const frame = encodeMessage(FULL);
    const decoded = decodeMessage(frame);
    const data = decoded.entries?.[0]?.data;
    assert.ok(data !== undefined);
    assert.equal(Object.getPrototypeOf(data), Uint8Array.prototype);
    frame.fill(0xee);
    assert.deepStrictEqual(decoded.snapshot?.data, new Uint8Array([0, 1, 0, 2, 0]));
  });

  it('refuses to encode what the wire cannot carry', () => {
    const bad: Array<[string, unknown]> = [
      ['negative term', { ...FULL, term: -1 }],
      ['fractional index', { ...FULL, index: 1.5 }],
      ['unsafe commit', { ...FULL, commit: 2 ** 60 }],
      ['unknown type', { ...FULL, type: 'gossip' }],
      ['non-bytes data', { ...FULL, snapshot: { ...FULL.snapshot, data: 'abc' } }],
      [
        'unknown entry type',
        { ...FULL, entries: [{ term: 1, index: 1, type: 'x', data: new Uint8Array(0) }] },
      ],
      ['missing snapshot metadata', { ...FULL, snapshot: { data: new Uint8Array(0) } }],
    ];
    for (const [name, message] of bad) {
      assert.throws(() => encodeMessage(message as Message), RaftCodecError, name);
    }
  });

  it('refuses malformed and unknown frames', () => {
    assert.throws(() => decodeMessage(Buffer.from([0xff, 0xff, 0xff])), RaftCodecError);
    // Field 1 (type) with the unknown enum value 99.
    assert.throws(() => decodeMessage(Buffer.from([0x08, 0x63])), RaftCodecError);
    // An empty frame carries MESSAGE_TYPE_UNSPECIFIED.
    assert.throws(() => decodeMessage(Buffer.alloc(0)), RaftCodecError);
    // Field 4 (term) = 2^60: more than a JavaScript number holds exactly.
    const hugeTerm = Buffer.from([
      0x08, 0x01, 0x20, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10,
    ]);
    assert.throws(() => decodeMessage(hugeTerm), /safe integer/);
  });

  it('round-trips the acceptance frame', () => {
    assert.equal(decodeAccepted(encodeAccepted('node-c')), 'node-c');
  });
});
