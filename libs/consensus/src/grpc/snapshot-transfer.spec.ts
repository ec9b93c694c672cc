import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { LogFields, Message, NodeId, RaftLogger, RandomSource } from '@falconmind/raft';
import type { PeerEndpoint } from '../transport';
import { openingMetadata } from './auth';
import {
  RAFT_PEER_INSTALL_SNAPSHOT_PATH,
  SnapshotProgress,
  decodeMessage,
  decodeSnapshotFrame,
  decodeSnapshotProgress,
  encodeMessage,
  encodeSnapshotChunk,
  encodeSnapshotHeader,
  encodeSnapshotProgress,
} from './codec';
import { chunkChecksum, snapshotTransferId } from './snapshot-transfer';
import { GrpcPeerTransport, GrpcPeerTransportOptions } from './transport';

const HOST = '127.0.0.1';
const TEST_TIMEOUT_MS = 60_000;
const MiB = 1024 * 1024;

interface LogLine {
  readonly level: 'debug' | 'info' | 'warn';
  readonly message: string;
  readonly fields: LogFields;
}

class CaptureLogger implements RaftLogger {
  readonly lines: LogLine[] = [];
  debug(message: string, fields: LogFields): void {
    this.lines.push({ level: 'debug', message, fields });
  }
  info(message: string, fields: LogFields): void {
    this.lines.push({ level: 'info', message, fields });
  }
  warn(message: string, fields: LogFields): void {
    this.lines.push({ level: 'warn', message, fields });
  }
  find(message: string): LogLine[] {
    return this.lines.filter((line) => line.message === message);
  }
}

interface TestNode {
  readonly transport: GrpcPeerTransport;
  readonly endpoint: PeerEndpoint;
  readonly logger: CaptureLogger;
  readonly received: Message[];
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function heartbeat(from: NodeId, to: NodeId, seq: number): Message {
  return { type: 'heartbeat', from, to, term: 2, commit: seq };
}

/** An image of random bytes (nothing in it compresses or repeats by accident). */
function image(bytes: number): Uint8Array {
  const data = new Uint8Array(bytes);
  for (let offset = 0; offset < bytes; offset += 65_536) {
    data.set(randomBytes(Math.min(65_536, bytes - offset)), offset);
  }
  return data;
}

function snapshotMessage(from: NodeId, to: NodeId, data: Uint8Array, index = 100): Message {
  return {
    type: 'snapshot',
    from,
    to,
    term: 2,
    snapshot: {
      metadata: { index, term: 2, confState: { voters: [from, to], learners: [] } },
      data,
    },
  };
}

function snapshots(node: TestNode): Message[] {
  return node.received.filter((m) => m.type === 'snapshot');
}

/** The first frame of an InstallSnapshot call from a to b for `data`; `lie` overrides its fields. */
function headerFor(
  data: Uint8Array,
  index: number,
  lie: { transferId?: string; imageSha256?: Uint8Array } = {},
): Buffer {
  const message = snapshotMessage('a', 'b', new Uint8Array(0), index);
  const imageSha256 = lie.imageSha256 ?? createHash('sha256').update(data).digest();
  const transferId =
    lie.transferId ??
    snapshotTransferId({
      from: 'a',
      to: 'b',
      term: message.term,
      index,
      snapshotTerm: 2,
      totalBytes: data.length,
      imageSha256,
    });
  return encodeSnapshotHeader({
    transferId,
    raftMessage: encodeMessage(message),
    totalBytes: data.length,
    imageSha256,
  });
}

/** Always the top of the range: delays equal their ceilings. */
const TOP_RANDOM: RandomSource = { nextInt: (bound) => bound - 1 };

/** A port nothing listens on: bound on port 0, then released. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A TCP relay between a sender and a peer's port, to break or tamper with connections the way a
 * network would. `onUpstream` sees each piece relayed from the sender and may return a changed copy.
 */
class TcpRelay {
  private readonly pairs = new Set<{ inbound: net.Socket; outbound: net.Socket }>();
  /** Bytes relayed from the sender, over all connections. */
  upstreamBytes = 0;
  onUpstream: ((chunk: Buffer) => Buffer) | undefined;

  private readonly server: net.Server;

  private constructor(targetPort: number) {
    this.server = net.createServer((inbound) => this.accept(inbound, targetPort));
  }

  static async start(targetPort: number): Promise<TcpRelay> {
    const relay = new TcpRelay(targetPort);
    await new Promise<void>((resolve) => relay.server.listen(0, HOST, resolve));
    return relay;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Breaks every open connection, as a network failure would. */
  cutAll(): void {
    for (const { inbound, outbound } of this.pairs) {
      inbound.destroy();
      outbound.destroy();
    }
    this.pairs.clear();
  }

  /** Stops relaying on the connections open now (new ones are relayed). */
  stallAll(): void {
    for (const { inbound, outbound } of this.pairs) {
      inbound.pause();
      outbound.pause();
      inbound.removeAllListeners('data');
      outbound.removeAllListeners('data');
    }
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(inbound: net.Socket, targetPort: number): void {
    const outbound = net.connect(targetPort, HOST);
    const pair = { inbound, outbound };
    this.pairs.add(pair);
    const drop = (): void => {
      this.pairs.delete(pair);
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', drop);
    outbound.on('error', drop);
    inbound.on('close', drop);
    outbound.on('close', drop);
    inbound.on('data', (chunk: Buffer) => {
      this.upstreamBytes += chunk.length;
      outbound.write(this.onUpstream ? this.onUpstream(chunk) : chunk);
    });
    outbound.on('data', (chunk: Buffer) => inbound.write(chunk));
  }
}

describe('GrpcPeerTransport snapshot transfers', () => {
  const started: TestNode[] = [];
  const cleanups: Array<() => void | Promise<void>> = [];

  async function startNode(
    nodeId: NodeId,
    options: Partial<GrpcPeerTransportOptions> = {},
  ): Promise<TestNode> {
    const logger = new CaptureLogger();
    const transport = new GrpcPeerTransport({
      nodeId,
      host: HOST,
      port: 0,
      clusterId: 'fleet-1',
      clusterSecret: 'right',
      maxMessageBytes: 4 * MiB,
      backoff: { initialMs: 20, maxMs: 200 },
      logger,
      ...options,
    });
    await transport.start();
    const node: TestNode = {
      transport,
      endpoint: { nodeId, host: HOST, raftPort: transport.port },
      logger,
      received: [],
    };
    transport.onMessage((m) => node.received.push(m));
    started.push(node);
    return node;
  }

  afterEach(async () => {
    await Promise.all(started.splice(0).map((node) => node.transport.close()));
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  /** `a` and `b`, `a` reaching `b` through a relay. */
  async function relayedPair(
    options: Partial<GrpcPeerTransportOptions> = {},
  ): Promise<[TestNode, TestNode, TcpRelay]> {
    const a = await startNode('a', options);
    const b = await startNode('b', options);
    const relay = await TcpRelay.start(b.endpoint.raftPort);
    cleanups.push(() => relay.close());
    a.transport.setPeer({ nodeId: 'b', host: HOST, raftPort: relay.port });
    return [a, b, relay];
  }

  it(
    'sends a 40 MiB snapshot (10 times the message limit) intact while the stream keeps flowing',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const a = await startNode('a', { snapshotChunkBytes: 256 * 1024 });
      const b = await startNode('b');
      a.transport.setPeer(b.endpoint);
      a.transport.send(heartbeat('a', 'b', 0));
      await waitFor('the stream', () => b.received.length === 1);

      // Heartbeats that arrive while b holds part of the image only.
      let duringTransfer = 0;
      b.transport.onMessage((m) => {
        const receiving = b.logger.find('receiving a snapshot from a peer').length === 1;
        if (m.type === 'heartbeat' && receiving && snapshots(b).length === 0) duringTransfer += 1;
      });
      const data = image(40 * MiB);
      const sent = snapshotMessage('a', 'b', data);
      a.transport.send(sent);
      let seq = 1;
      const beat = setInterval(() => a.transport.send(heartbeat('a', 'b', seq++)), 2);
      try {
        await waitFor('the snapshot', () => snapshots(b).length === 1);
      } finally {
        clearInterval(beat);
      }
      const lastSeq = seq - 1;
      await waitFor('every heartbeat', () => b.received.length === lastSeq + 2);
      await waitFor(
        'the acknowledgement',
        () => a.logger.find('completed a snapshot transfer').length === 1,
      );

      const [got] = snapshots(b);
      assert.equal(got.snapshot?.data.length, data.length);
      assert.equal(sha256(got.snapshot?.data ?? new Uint8Array(0)), sha256(data));
      assert.deepStrictEqual(
        { ...got, snapshot: { ...got.snapshot, data: undefined } },
        {
          ...sent,
          snapshot: { ...sent.snapshot, data: undefined },
        },
      );

      // Heartbeats kept arriving while the image streamed, and all of them in order.
      assert.ok(duringTransfer >= 5, `${duringTransfer} heartbeats arrived during the transfer`);
      const commits = b.received.filter((m) => m.type === 'heartbeat').map((m) => m.commit);
      assert.deepEqual(
        commits,
        Array.from({ length: lastSeq + 1 }, (_, i) => i),
      );

      const [start] = a.logger.find('started a snapshot transfer');
      assert.equal(start.fields.offset, 0);
      const [done] = a.logger.find('completed a snapshot transfer');
      assert.equal(done.fields.bytes, data.length);
      assert.equal(typeof done.fields.ms, 'number');
      assert.equal(b.logger.find('received a snapshot from a peer').length, 1);
      assert.equal(b.logger.find('accepted a peer stream').length, 1, 'the same stream throughout');
      assert.equal(a.logger.find('dropped a message over the size limit').length, 0);
    },
  );

  it(
    'resumes a transfer broken mid-way from the offset the receiver holds',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const [a, b, relay] = await relayedPair({ snapshotChunkBytes: 256 * 1024 });
      const data = image(24 * MiB);
      let cut = false;
      relay.onUpstream = (chunk) => {
        if (!cut && relay.upstreamBytes > 10 * MiB) {
          cut = true;
          setImmediate(() => relay.cutAll());
        }
        return chunk;
      };
      a.transport.send(snapshotMessage('a', 'b', data));
      await waitFor('the snapshot', () => snapshots(b).length === 1);
      await sleep(50);

      assert.ok(cut, 'the connection was broken');
      assert.equal(snapshots(b).length, 1, 'delivered once');
      assert.equal(sha256(snapshots(b)[0].snapshot?.data ?? new Uint8Array(0)), sha256(data));
      const [resumed] = a.logger.find('resuming a snapshot transfer');
      assert.ok(resumed !== undefined, 'the sender resumed');
      const offset = Number(resumed.fields.offset);
      assert.ok(offset >= 4 * MiB && offset < data.length, `resumed at ${offset}`);
      const [receiverResumed] = b.logger.find('resuming a snapshot transfer from a peer');
      assert.equal(receiverResumed.fields.offset, offset);
      assert.ok(a.logger.find('interrupted a snapshot transfer').length >= 1);
      assert.equal(a.logger.find('started a snapshot transfer').length, 1);
      const [received] = b.logger.find('received a snapshot from a peer');
      assert.ok(Number(received.fields.calls) >= 2);
      // Only what was missing crossed the network again: far less than a second full image.
      assert.ok(relay.upstreamBytes < 1.5 * data.length, `${relay.upstreamBytes} bytes relayed`);
    },
  );

  it(
    'detects a corrupted chunk, resends it, and delivers the image intact',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const [a, b, relay] = await relayedPair({ snapshotChunkBytes: 256 * 1024 });
      const data = image(16 * MiB);
      // Markers planted past the first chunks; the relay flips one byte of the first it sees whole.
      const marker = randomBytes(32);
      for (let offset = 6 * MiB; offset < 12 * MiB; offset += 100_000) data.set(marker, offset);
      let flipped = false;
      relay.onUpstream = (chunk) => {
        if (flipped) return chunk;
        const at = chunk.indexOf(marker);
        if (at < 0) return chunk;
        flipped = true;
        const copy = Buffer.from(chunk);
        copy[at + 16] ^= 0xff;
        return copy;
      };
      a.transport.send(snapshotMessage('a', 'b', data));
      await waitFor('the snapshot', () => snapshots(b).length === 1);
      await sleep(50);

      assert.ok(flipped, 'a byte was flipped on the way');
      assert.equal(snapshots(b).length, 1);
      assert.equal(sha256(snapshots(b)[0].snapshot?.data ?? new Uint8Array(0)), sha256(data));
      const [bad] = b.logger.find('refused a snapshot chunk with a bad checksum');
      assert.equal(bad.level, 'warn');
      const badOffset = Number(bad.fields.offset);
      assert.ok(badOffset >= 5 * MiB, `bad chunk at ${badOffset}`);
      const [refused] = a.logger.find('a peer refused a snapshot chunk or image on its checksum');
      assert.equal(refused.level, 'warn');
      const [resumed] = a.logger.find('resuming a snapshot transfer');
      assert.equal(resumed.fields.offset, badOffset, 'resent from the last good offset');
      assert.equal(
        b.logger.find('dropped a snapshot whose image does not match its checksum').length,
        0,
      );
    },
  );

  it(
    'refuses a snapshot transfer with the wrong cluster secret',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const a = await startNode('a', { clusterSecret: 'guess' });
      const b = await startNode('b');
      a.transport.setPeer(b.endpoint);
      a.transport.send(snapshotMessage('a', 'b', image(8 * MiB)));
      await waitFor('a refused transfer', () =>
        b.logger.find('refused a peer stream').some((l) => l.fields.rpc === 'InstallSnapshot'),
      );
      await waitFor('the sender noticed', () =>
        a.logger
          .find('interrupted a snapshot transfer')
          .some((l) => String(l.fields.reason).startsWith('UNAUTHENTICATED')),
      );
      const refusal = b.logger
        .find('refused a peer stream')
        .find((l) => l.fields.rpc === 'InstallSnapshot');
      assert.equal(refusal?.fields.reason, 'wrong proof');
      assert.equal(refusal?.fields.code, 'UNAUTHENTICATED');
      assert.equal(b.logger.find('receiving a snapshot from a peer').length, 0);
      assert.equal(b.received.length, 0);

      // A hand-made call fares no better, and learns nothing but the category.
      const status = await rawInstallSnapshot(b.endpoint.raftPort, 'guess', []);
      assert.equal(status.code, grpc.status.UNAUTHENTICATED);
      assert.equal(status.details, 'peer stream not authenticated');
    },
  );

  it(
    'gives a transfer up for a newer snapshot, which replaces it at the receiver too',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const [a, b, relay] = await relayedPair({ snapshotChunkBytes: 256 * 1024 });
      const older = image(12 * MiB);
      const newer = image(6 * MiB);
      a.transport.send(snapshotMessage('a', 'b', older, 100));
      await waitFor(
        'part of the older snapshot',
        () =>
          b.logger.find('receiving a snapshot from a peer').length === 1 &&
          relay.upstreamBytes > 2 * MiB,
      );
      relay.stallAll();
      a.transport.send(snapshotMessage('a', 'b', newer, 200));
      await waitFor('the newer snapshot', () => snapshots(b).length === 1);
      await sleep(100);

      assert.equal(snapshots(b).length, 1, 'the older one is never delivered');
      const [got] = snapshots(b);
      assert.equal(got.snapshot?.metadata.index, 200);
      assert.equal(sha256(got.snapshot?.data ?? new Uint8Array(0)), sha256(newer));
      const [abandoned] = a.logger.find('abandoned a snapshot transfer');
      assert.equal(abandoned.fields.reason, 'superseded by a newer snapshot');
      const [replaced] = b.logger.find('replaced a pending snapshot transfer with a newer one');
      assert.ok(Number(replaced.fields.droppedBytes) > 0);
    },
  );

  it(
    'goes on with the transfer in progress when the same snapshot is sent again',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const a = await startNode('a', { snapshotChunkBytes: 256 * 1024 });
      const b = await startNode('b');
      a.transport.setPeer(b.endpoint);
      const data = image(16 * MiB);
      a.transport.send(snapshotMessage('a', 'b', data));
      await waitFor('the transfer', () => a.logger.find('started a snapshot transfer').length > 0);
      a.transport.send(snapshotMessage('a', 'b', data.slice()));
      await waitFor('the snapshot', () => snapshots(b).length === 1);
      await sleep(100);
      assert.equal(snapshots(b).length, 1);
      assert.equal(a.logger.find('sending a snapshot to a peer').length, 1);
      assert.equal(a.logger.find('abandoned a snapshot transfer').length, 0);
      assert.equal(a.logger.find('this snapshot is already on its way to the peer').length, 1);
    },
  );

  it(
    'keeps small snapshots on the stream, in order with the other messages',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const a = await startNode('a');
      const b = await startNode('b');
      a.transport.setPeer(b.endpoint);
      const small = snapshotMessage('a', 'b', image(1000));
      a.transport.send(heartbeat('a', 'b', 1));
      a.transport.send(small);
      a.transport.send(heartbeat('a', 'b', 2));
      await waitFor('all three', () => b.received.length === 3);
      assert.deepStrictEqual(b.received, [heartbeat('a', 'b', 1), small, heartbeat('a', 'b', 2)]);
      assert.equal(a.logger.find('sending a snapshot to a peer').length, 0);
    },
  );

  describe('the receiving side, driven by hand', () => {
    const data = image(3 * MiB + 17);
    const header = headerFor(data, 7);
    const chunk = (offset: number, bytes = MiB): Buffer => {
      const piece = data.subarray(offset, Math.min(data.length, offset + bytes));
      return encodeSnapshotChunk(offset, piece, chunkChecksum(piece));
    };

    it(
      'answers the offset it holds, drops an idle transfer, and refuses what it cannot hold',
      { timeout: TEST_TIMEOUT_MS },
      async () => {
        const b = await startNode('b', {
          snapshotIdleTimeoutMs: 300,
          maxPendingSnapshotBytes: 8 * MiB,
        });
        const port = b.endpoint.raftPort;

        let result = await rawInstallSnapshot(port, 'right', [header, chunk(0), chunk(MiB)]);
        assert.deepEqual(
          result.progress.map((p) => p.offset),
          [0, MiB, 2 * MiB],
        );
        // A new call picks up where the receiver is.
        result = await rawInstallSnapshot(port, 'right', [header]);
        assert.deepEqual(
          result.progress.map((p) => p.offset),
          [2 * MiB],
        );
        // A chunk at the wrong offset ends the call; the transfer keeps what it has.
        result = await rawInstallSnapshot(port, 'right', [header, chunk(MiB)]);
        assert.equal(result.code, grpc.status.INVALID_ARGUMENT);
        // Idle for longer than the timeout: dropped, and the next call starts from 0.
        await waitFor(
          'the idle transfer dropped',
          () => b.logger.find('dropped an idle snapshot transfer').length === 1,
        );
        result = await rawInstallSnapshot(port, 'right', [
          header,
          chunk(0),
          chunk(MiB),
          chunk(2 * MiB),
          chunk(3 * MiB),
        ]);
        assert.deepEqual(
          result.progress.map((p) => [p.offset, p.complete]),
          [
            [0, false],
            [MiB, false],
            [2 * MiB, false],
            [3 * MiB, false],
            [data.length, true],
          ],
        );
        assert.equal(result.code, grpc.status.OK);
        assert.equal(snapshots(b).length, 1);
        assert.equal(sha256(snapshots(b)[0].snapshot?.data ?? new Uint8Array(0)), sha256(data));
        // Offered again: already there, so complete at once and not delivered twice.
        result = await rawInstallSnapshot(port, 'right', [header]);
        assert.deepEqual(
          result.progress.map((p) => [p.offset, p.complete]),
          [[data.length, true]],
        );
        assert.equal(snapshots(b).length, 1);

        // Over the bound of pending snapshot bytes: refused before anything is written.
        const big = new Uint8Array(9 * MiB);
        const bigHeader = headerFor(big, 8);
        result = await rawInstallSnapshot(port, 'right', [bigHeader]);
        assert.equal(result.code, grpc.status.RESOURCE_EXHAUSTED);
        assert.equal(
          b.logger.find('refused a snapshot transfer over the limit of pending snapshot bytes')
            .length,
          1,
        );
      },
    );

    it(
      'refuses a header whose transfer id does not match the snapshot',
      { timeout: TEST_TIMEOUT_MS },
      async () => {
        const b = await startNode('b');
        const forged = headerFor(data, 7, { transferId: 'f'.repeat(64) });
        const result = await rawInstallSnapshot(b.endpoint.raftPort, 'right', [forged]);
        assert.equal(result.code, grpc.status.INVALID_ARGUMENT);
        assert.equal(b.logger.find('receiving a snapshot from a peer').length, 0);
      },
    );

    it(
      'drops an image that does not match its SHA-256, though every chunk matched its CRC',
      { timeout: TEST_TIMEOUT_MS },
      async () => {
        const b = await startNode('b');
        const port = b.endpoint.raftPort;
        const lying = headerFor(data, 7, { imageSha256: randomBytes(32) });
        const chunks = [chunk(0), chunk(MiB), chunk(2 * MiB), chunk(3 * MiB)];
        let result = await rawInstallSnapshot(port, 'right', [lying, ...chunks]);
        assert.equal(result.code, grpc.status.DATA_LOSS);
        assert.equal(
          b.logger.find('dropped a snapshot whose image does not match its checksum').length,
          1,
        );
        assert.equal(snapshots(b).length, 0);
        // Nothing of it is kept: offered again, it starts over.
        result = await rawInstallSnapshot(port, 'right', [lying]);
        assert.deepEqual(
          result.progress.map((p) => p.offset),
          [0],
        );
      },
    );
  });

  it(
    'starts one transfer when the leader repeats the same snapshot every heartbeat while it is hashed',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const a = await startNode('a', { snapshotChunkBytes: 256 * 1024 });
      const b = await startNode('b');
      a.transport.setPeer(b.endpoint);
      // A leader sends the snapshot again on every heartbeat response while the follower has not
      // installed it: the same image (the same reference) in the same term, far more often than a
      // 40 MiB image is hashed, a slice per turn of the event loop.
      const data = image(40 * MiB);
      const repeats = setInterval(() => a.transport.send(snapshotMessage('a', 'b', data)), 2);
      a.transport.send(snapshotMessage('a', 'b', data));
      try {
        await waitFor(
          'the transfer, while the repeats go on',
          () => a.logger.find('started a snapshot transfer').length > 0,
          10_000,
        );
      } finally {
        clearInterval(repeats);
      }
      await waitFor('the snapshot', () => snapshots(b).length === 1);
      await sleep(200);
      assert.equal(snapshots(b).length, 1);
      assert.equal(sha256(snapshots(b)[0].snapshot?.data ?? new Uint8Array(0)), sha256(data));
      assert.equal(a.logger.find('started a snapshot transfer').length, 1);
    },
  );

  it(
    'retries a failed transfer with the backoff of the stream, and gives it up on close',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const port = await freePort();
      const a = await startNode('a', {
        random: TOP_RANDOM,
        backoff: { initialMs: 20, maxMs: 100 },
      });
      a.transport.setPeer({ nodeId: 'b', host: HOST, raftPort: port });
      a.transport.send(snapshotMessage('a', 'b', image(4 * MiB)));
      await waitFor(
        'four failed calls',
        () => a.logger.find('interrupted a snapshot transfer').length >= 4,
      );
      const attempts = a.logger.find('interrupted a snapshot transfer').slice(0, 4);
      assert.deepEqual(
        attempts.map((l) => l.fields.retryInMs),
        [20, 40, 80, 100],
      );
      assert.deepEqual(
        attempts.map((l) => l.level),
        ['warn', 'debug', 'debug', 'debug'],
      );
      await a.transport.close();
      const [abandoned] = a.logger.find('abandoned a snapshot transfer');
      assert.equal(abandoned.fields.reason, 'transport closed');
      const failures = a.logger.find('interrupted a snapshot transfer').length;
      await sleep(250);
      assert.equal(a.logger.find('interrupted a snapshot transfer').length, failures);
    },
  );

  it('round-trips snapshot frames through the codec', () => {
    const sha = randomBytes(32);
    const raftMessage = encodeMessage(heartbeat('a', 'b', 1));
    const header = decodeSnapshotFrame(
      encodeSnapshotHeader({ transferId: 'id', raftMessage, totalBytes: 5, imageSha256: sha }),
    );
    assert.equal(header.kind, 'header');
    if (header.kind === 'header') {
      assert.equal(header.header.transferId, 'id');
      assert.equal(header.header.totalBytes, 5);
      assert.deepEqual(Buffer.from(header.header.imageSha256), sha);
      assert.deepStrictEqual(
        decodeMessage(Buffer.from(header.header.raftMessage)),
        heartbeat('a', 'b', 1),
      );
    }
    const piece = new Uint8Array([1, 2, 3]);
    const chunk = decodeSnapshotFrame(encodeSnapshotChunk(9, piece, 0xffffffff));
    assert.equal(chunk.kind, 'chunk');
    if (chunk.kind === 'chunk') {
      assert.equal(chunk.offset, 9);
      assert.equal(chunk.crc32, 0xffffffff);
      assert.deepEqual([...chunk.data], [1, 2, 3]);
    }
    const progress: SnapshotProgress = {
      nodeId: 'b',
      transferId: 'id',
      offset: 0,
      complete: false,
    };
    assert.deepStrictEqual(decodeSnapshotProgress(encodeSnapshotProgress(progress)), progress);
    assert.throws(() => decodeSnapshotFrame(Buffer.from([0xff, 0xff, 0xff])), /malformed/);
  });
});

/** Makes one InstallSnapshot call by hand: writes `frames`, then waits for the call to end. */
async function rawInstallSnapshot(
  port: number,
  secret: string,
  frames: readonly Buffer[],
): Promise<{ code: grpc.status; details: string; progress: SnapshotProgress[] }> {
  const client = new grpc.Client(`${HOST}:${port}`, grpc.credentials.createInsecure());
  try {
    const metadata = openingMetadata({
      clusterId: 'fleet-1',
      clusterSecret: secret,
      nodeId: 'a',
      peerId: 'b',
      now: Date.now(),
    });
    const call = client.makeBidiStreamRequest<Buffer, Buffer>(
      RAFT_PEER_INSTALL_SNAPSHOT_PATH,
      (frame) => frame,
      (frame) => frame,
      metadata,
    );
    const progress: SnapshotProgress[] = [];
    call.on('data', (frame: Buffer) => progress.push(decodeSnapshotProgress(frame)));
    call.on('error', () => undefined);
    const ended = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    for (const frame of frames) call.write(frame);
    // Half-close once every frame had its answer (or the call ended), so the server ends it too.
    const expected = frames.length;
    const deadline = Date.now() + 5_000;
    let status: grpc.StatusObject | undefined;
    void ended.then((s) => {
      status = s;
    });
    while (status === undefined && progress.length < expected && Date.now() < deadline) {
      await sleep(5);
    }
    if (status === undefined) call.end();
    const final = await ended;
    return { code: final.code, details: final.details, progress };
  } finally {
    client.close();
  }
}
