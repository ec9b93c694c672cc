import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { LogFields, Message, NodeId, RaftLogger, RandomSource } from '@falconmind/raft';
import type { PeerEndpoint } from '../transport';
import { openingMetadata } from './auth';
import { RAFT_PEER_STREAM_PATH, encodeMessage } from './codec';
import { GrpcPeerTransport, GrpcPeerTransportOptions } from './transport';

const HOST = '127.0.0.1';
const TEST_TIMEOUT_MS = 20_000;

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

/** Always the top of the range: delays equal their ceilings. */
const TOP_RANDOM: RandomSource = { nextInt: (bound) => bound - 1 };

interface TestNode {
  readonly transport: GrpcPeerTransport;
  readonly endpoint: PeerEndpoint;
  readonly logger: CaptureLogger;
  readonly received: Message[];
  readonly unreachable: NodeId[];
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A port nothing listens on: bound on port 0, then released. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function heartbeat(from: NodeId, to: NodeId, seq: number): Message {
  return { type: 'heartbeat', from, to, term: 1, commit: seq };
}

describe('GrpcPeerTransport', () => {
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
      logger,
      ...options,
    });
    await transport.start();
    const node: TestNode = {
      transport,
      endpoint: { nodeId, host: HOST, raftPort: transport.port },
      logger,
      received: [],
      unreachable: [],
    };
    transport.onMessage((m) => node.received.push(m));
    transport.onUnreachable((id) => node.unreachable.push(id));
    started.push(node);
    return node;
  }

  afterEach(async () => {
    await Promise.all(started.splice(0).map((node) => node.transport.close()));
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  /** Starts `a` and `b` with their own options, and points `a` at `b`. */
  async function pair(
    aOptions: Partial<GrpcPeerTransportOptions>,
    bOptions: Partial<GrpcPeerTransportOptions>,
  ): Promise<[TestNode, TestNode]> {
    const a = await startNode('a', aOptions);
    const b = await startNode('b', bOptions);
    a.transport.setPeer(b.endpoint);
    return [a, b];
  }

  /** Waits until `b` logged a refusal and `a` reported `b`; checks `b` got nothing. */
  async function expectRefused(
    a: TestNode,
    b: TestNode,
    reason: string,
    code: string,
  ): Promise<void> {
    a.transport.send(heartbeat('a', 'b', 1));
    await waitFor('the refusal', () => b.logger.find('refused a peer stream').length > 0);
    await waitFor('b reported unreachable', () => a.unreachable.includes('b'));
    const [refusal] = b.logger.find('refused a peer stream');
    assert.equal(refusal.level, 'warn');
    assert.equal(refusal.fields.reason, reason);
    assert.equal(refusal.fields.code, code);
    assert.equal(refusal.fields.claimedNodeId, 'a');
    const failure = a.logger.find('cannot reach a peer')[0];
    assert.match(String(failure.fields.reason), new RegExp(`^${code}`));
    assert.equal(b.received.length, 0);
  }

  it('refuses a peer with the wrong cluster id', { timeout: TEST_TIMEOUT_MS }, async () => {
    const [a, b] = await pair({ clusterId: 'fleet-2' }, {});
    await expectRefused(a, b, 'cluster id mismatch', 'FAILED_PRECONDITION');
  });

  it('refuses a peer with the wrong secret', { timeout: TEST_TIMEOUT_MS }, async () => {
    const [a, b] = await pair({ clusterSecret: 'guess' }, { clusterSecret: 'right' });
    await expectRefused(a, b, 'wrong proof', 'UNAUTHENTICATED');
  });

  it(
    'refuses a peer without a proof when a secret is set',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const [a, b] = await pair({}, { clusterSecret: 'right' });
      await expectRefused(a, b, 'missing proof', 'UNAUTHENTICATED');
    },
  );

  it(
    'refuses a peer whose clock is off by more than 60 s',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const [a, b] = await pair(
        { clusterSecret: 'right', now: () => Date.now() - 61_000 },
        { clusterSecret: 'right' },
      );
      await expectRefused(a, b, 'timestamp outside the allowed clock skew', 'UNAUTHENTICATED');
    },
  );

  it('accepts peers with the right secret, both ways', { timeout: TEST_TIMEOUT_MS }, async () => {
    const [a, b] = await pair({ clusterSecret: 'right' }, { clusterSecret: 'right' });
    b.transport.setPeer(a.endpoint);
    a.transport.send(heartbeat('a', 'b', 1));
    b.transport.send(heartbeat('b', 'a', 2));
    await waitFor('both messages', () => a.received.length === 1 && b.received.length === 1);
    assert.deepStrictEqual(b.received, [heartbeat('a', 'b', 1)]);
    assert.deepStrictEqual(a.received, [heartbeat('b', 'a', 2)]);
    assert.equal(b.logger.find('refused a peer stream').length, 0);
    assert.deepEqual(a.unreachable, []);
  });

  it(
    'drops a message over the size limit without losing the stream',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const limit = 64 * 1024;
      const [a, b] = await pair({ maxMessageBytes: limit }, { maxMessageBytes: limit });
      a.transport.send(heartbeat('a', 'b', 1));
      await waitFor('the first message', () => b.received.length === 1);
      const big: Message = {
        type: 'append',
        from: 'a',
        to: 'b',
        term: 1,
        entries: [{ term: 1, index: 1, type: 'normal', data: new Uint8Array(limit) }],
      };
      a.transport.send(big);
      a.transport.send(heartbeat('a', 'b', 2));
      await waitFor('the message after it', () => b.received.length === 2);
      assert.deepEqual(
        b.received.map((m) => m.commit),
        [1, 2],
      );
      const [dropped] = a.logger.find('dropped a message over the size limit');
      assert.equal(dropped.fields.limit, limit);
      assert.ok(Number(dropped.fields.bytes) > limit);
      assert.equal(b.logger.find('accepted a peer stream').length, 1, 'the same stream throughout');
      assert.deepEqual(a.unreachable, []);
    },
  );

  it(
    'drops, and logs, inbound messages that are misaddressed, spoofed or malformed',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const b = await startNode('b', { clusterSecret: 'right' });
      const client = new grpc.Client(
        `${HOST}:${b.endpoint.raftPort}`,
        grpc.credentials.createInsecure(),
      );
      cleanups.push(() => client.close());
      const metadata = openingMetadata({
        clusterId: 'fleet-1',
        clusterSecret: 'right',
        nodeId: 'a',
        peerId: 'b',
        now: Date.now(),
      });
      const call = client.makeBidiStreamRequest<Buffer, Buffer>(
        RAFT_PEER_STREAM_PATH,
        (frame) => frame,
        (frame) => frame,
        metadata,
      );
      const replies: Buffer[] = [];
      call.on('data', (frame: Buffer) => replies.push(frame));
      call.on('error', () => undefined);
      cleanups.push(() => call.cancel());
      call.write(encodeMessage(heartbeat('a', 'someone-else', 1)));
      call.write(encodeMessage(heartbeat('mallory', 'b', 2)));
      call.write(Buffer.from([0xff, 0xff, 0xff]));
      call.write(encodeMessage(heartbeat('a', 'b', 4)));
      await waitFor('the valid message', () => b.received.length === 1);
      assert.deepStrictEqual(b.received, [heartbeat('a', 'b', 4)]);
      assert.equal(replies.length, 1, 'the acceptance frame');
      const misaddressed = b.logger.find('dropped a peer message addressed to another node');
      assert.equal(misaddressed[0]?.fields.to, 'someone-else');
      const spoofed = b.logger.find('dropped a peer message whose sender differs from the stream');
      assert.equal(spoofed[0]?.fields.from, 'mallory');
      assert.equal(b.logger.find('dropped an undecodable peer message').length, 1);
      call.end();
    },
  );

  it(
    'gives up on a stream the peer does not accept in time, and retries',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      // Accepts TCP connections and never speaks HTTP/2.
      const sockets = new Set<net.Socket>();
      const silent = net.createServer((socket) => sockets.add(socket));
      await new Promise<void>((resolve) => silent.listen(0, HOST, resolve));
      cleanups.push(
        () =>
          new Promise<void>((resolve) => {
            for (const socket of sockets) socket.destroy();
            silent.close(() => resolve());
          }),
      );
      const port = (silent.address() as net.AddressInfo).port;
      const a = await startNode('a', { connectTimeoutMs: 200, backoff: { initialMs: 20 } });
      a.transport.setPeer({ nodeId: 'b', host: HOST, raftPort: port });
      a.transport.send(heartbeat('a', 'b', 1));
      await waitFor(
        'two timed-out attempts',
        () =>
          a.logger.lines.filter((l) => String(l.fields.reason).startsWith('stream not accepted'))
            .length >= 2,
      );
      assert.equal(
        a.logger.find('cannot reach a peer')[0]?.fields.reason,
        'stream not accepted within 200 ms',
      );
      assert.ok(a.unreachable.length >= 2 && a.unreachable.every((id) => id === 'b'));
    },
  );

  it(
    'retries with growing delays and reports each failed attempt once',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const port = await freePort();
      const a = await startNode('a', {
        random: TOP_RANDOM,
        backoff: { initialMs: 50, maxMs: 300 },
      });
      a.transport.setPeer({ nodeId: 'b', host: HOST, raftPort: port });
      for (let seq = 0; seq < 50; seq += 1) a.transport.send(heartbeat('a', 'b', seq));
      await waitFor('five failed attempts', () => a.logger.find('cannot reach a peer').length >= 5);
      const attempts = a.logger.find('cannot reach a peer').slice(0, 5);
      assert.deepEqual(
        attempts.map((l) => l.fields.retryInMs),
        [50, 100, 200, 300, 300],
      );
      assert.deepEqual(
        attempts.map((l) => l.fields.attempt),
        [1, 2, 3, 4, 5],
      );
      // Logged at warn once, then at debug while the failure stays the same.
      assert.deepEqual(
        attempts.map((l) => l.level),
        ['warn', 'debug', 'debug', 'debug', 'debug'],
      );
      await sleep(20);
      const reports = a.unreachable.length;
      const failures = a.logger.find('cannot reach a peer').length;
      assert.ok(reports >= 5 && reports <= failures, `${reports} reports for ${failures} failures`);
    },
  );

  it(
    'keeps a bounded buffer while the peer is down and delivers it, oldest dropped first',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const port = await freePort();
      const a = await startNode('a', {
        maxBufferedMessages: 5,
        backoff: { initialMs: 20, maxMs: 100 },
      });
      a.transport.setPeer({ nodeId: 'b', host: HOST, raftPort: port });
      for (let seq = 1; seq <= 12; seq += 1) a.transport.send(heartbeat('a', 'b', seq));
      await waitFor('a failed attempt', () => a.unreachable.includes('b'));
      const b = await startNode('b', { port });
      await waitFor('the buffered messages', () => b.received.length === 5);
      await sleep(50);
      assert.deepEqual(
        b.received.map((m) => m.commit),
        [8, 9, 10, 11, 12],
      );
    },
  );

  it('follows a peer to its new address', { timeout: TEST_TIMEOUT_MS }, async () => {
    const a = await startNode('a');
    const b1 = await startNode('b');
    a.transport.setPeer(b1.endpoint);
    a.transport.send(heartbeat('a', 'b', 1));
    await waitFor('b1 hears a', () => b1.received.length === 1);
    await b1.transport.close();
    const b2 = await startNode('b');
    a.transport.setPeer(b2.endpoint);
    a.transport.send(heartbeat('a', 'b', 2));
    await waitFor('b2 hears a', () => b2.received.length === 1);
    assert.equal(b2.received[0].commit, 2);
  });

  it(
    'refuses to start twice and ignores peers after close',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const a = await startNode('a');
      await assert.rejects(a.transport.start(), /cannot start/);
      await a.transport.close();
      a.transport.setPeer({ nodeId: 'b', host: HOST, raftPort: 1 });
      a.transport.send(heartbeat('a', 'b', 1));
      await a.transport.close();
      await sleep(20);
      assert.deepEqual(a.unreachable, []);
    },
  );
});
