/**
 * The contract every PeerTransport keeps, run against each implementation with the same tests.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '@falconmind/raft';
import type { Message, NodeId, Unreachability } from '@falconmind/raft';
import { GrpcPeerTransport } from './grpc';
import { InMemoryHub, InMemoryTransport } from './in-memory-transport';
import type { PeerEndpoint, PeerTransport } from './transport';

const HOST = '127.0.0.1';
const TEST_TIMEOUT_MS = 20_000;

interface Implementation {
  readonly name: string;
  /** Starts a transport for `nodeId`; port 0 picks a free one. */
  start(nodeId: NodeId, port: number): Promise<{ transport: PeerTransport; port: number }>;
}

const IMPLEMENTATIONS: readonly Implementation[] = [
  {
    name: 'GrpcPeerTransport',
    async start(nodeId, port) {
      const transport = new GrpcPeerTransport({
        nodeId,
        host: HOST,
        port,
        clusterId: 'contract-cluster',
        clusterSecret: 'contract-secret',
        random: new SeededRandom(7),
      });
      await transport.start();
      return { transport, port: transport.port };
    },
  },
  (() => {
    const hub = new InMemoryHub();
    return {
      name: 'InMemoryTransport',
      async start(nodeId: NodeId, port: number) {
        const transport = new InMemoryTransport({ hub, nodeId, host: HOST, port });
        await transport.start();
        return { transport, port: transport.port };
      },
    };
  })(),
];

/** A started transport and everything it has seen. */
interface TestNode {
  readonly transport: PeerTransport;
  readonly endpoint: PeerEndpoint;
  readonly received: Message[];
  readonly unreachable: NodeId[];
  /** Why each report of `unreachable` was made, in the same order. */
  readonly unreachableWhy: Unreachability[];
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

/** A message exercising the awkward fields; `seq` rides in `index` to check the order. */
function message(from: NodeId, to: NodeId, seq: number): Message {
  const base: Message = { type: 'append', from, to, term: seq % 5, index: seq, commit: 0 };
  if (seq % 3 === 0) {
    return {
      ...base,
      logTerm: 0,
      entries: [
        { term: 1, index: seq, type: 'normal', data: new Uint8Array([0, seq % 256, 0, 0]) },
        { term: 1, index: seq + 1, type: 'conf-change', data: new Uint8Array(0) },
      ],
    };
  }
  if (seq % 7 === 0) {
    return {
      ...base,
      type: 'snapshot',
      snapshot: {
        metadata: { index: seq, term: 0, confState: { voters: [from, to], learners: [] } },
        data: new Uint8Array(1000).fill(0),
      },
    };
  }
  return { ...base, type: 'heartbeat', context: '', reject: false, sentAtTick: 0 };
}

for (const impl of IMPLEMENTATIONS) {
  describe(`PeerTransport contract: ${impl.name}`, () => {
    const started: TestNode[] = [];

    async function startNode(nodeId: NodeId, port = 0): Promise<TestNode> {
      const { transport, port: bound } = await impl.start(nodeId, port);
      const node: TestNode = {
        transport,
        endpoint: { nodeId, host: HOST, raftPort: bound },
        received: [],
        unreachable: [],
        unreachableWhy: [],
      };
      transport.onMessage((m) => node.received.push(m));
      transport.onUnreachable((id, why) => {
        node.unreachable.push(id);
        node.unreachableWhy.push(why);
      });
      started.push(node);
      return node;
    }

    async function cluster(...ids: NodeId[]): Promise<TestNode[]> {
      const nodes = await Promise.all(ids.map((id) => startNode(id)));
      for (const node of nodes) {
        for (const other of nodes) if (other !== node) node.transport.setPeer(other.endpoint);
      }
      return nodes;
    }

    afterEach(async () => {
      await Promise.all(started.splice(0).map((node) => node.transport.close()));
    });

    it(
      'delivers messages intact and in order between 3 nodes',
      { timeout: TEST_TIMEOUT_MS },
      async () => {
        const nodes = await cluster('a', 'b', 'c');
        const perPair = 150;
        const sent = new Map<string, Message[]>();
        for (let seq = 0; seq < perPair; seq += 1) {
          for (const from of nodes) {
            for (const to of nodes) {
              if (from === to) continue;
              const m = message(from.endpoint.nodeId, to.endpoint.nodeId, seq);
              from.transport.send(m);
              const key = `${m.from}->${m.to}`;
              sent.set(key, [...(sent.get(key) ?? []), m]);
            }
          }
        }
        await waitFor('every message', () => nodes.every((n) => n.received.length === 2 * perPair));
        for (const to of nodes) {
          for (const from of nodes) {
            if (from === to) continue;
            const key = `${from.endpoint.nodeId}->${to.endpoint.nodeId}`;
            const got = to.received.filter((m) => m.from === from.endpoint.nodeId);
            assert.deepStrictEqual(got, sent.get(key), key);
          }
        }
        assert.deepEqual(
          nodes.map((n) => n.unreachable),
          [[], [], []],
        );
      },
    );

    it(
      'drops messages to an unknown peer and reports it unreachable once',
      { timeout: TEST_TIMEOUT_MS },
      async () => {
        const [a, b] = await cluster('a', 'b');
        for (let seq = 0; seq < 5; seq += 1) a.transport.send(message('a', 'ghost', seq));
        a.transport.send(message('a', 'b', 99));
        await waitFor('ghost reported', () => a.unreachable.includes('ghost'));
        await waitFor('the message to b', () => b.received.length === 1);
        await sleep(50);
        assert.deepEqual(a.unreachable, ['ghost']);
        assert.deepEqual(
          b.received.map((m) => m.index),
          [99],
        );
      },
    );

    it(
      'reconnects to a peer that restarts on the same port',
      { timeout: TEST_TIMEOUT_MS },
      async () => {
        const [a, b] = await cluster('a', 'b');
        a.transport.send(message('a', 'b', 0));
        await waitFor('first message', () => b.received.length === 1);

        await b.transport.close();
        a.transport.send(message('a', 'b', 1));
        await waitFor('b reported unreachable', () => a.unreachable.includes('b'));
        // Raft is told the connection failed, not that b is slow: a follower may then replace a
        // leader whose process is gone without waiting out a whole election timeout.
        assert.equal(a.unreachableWhy[a.unreachable.indexOf('b')], 'disconnected');

        const b2 = await startNode('b', b.endpoint.raftPort);
        b2.transport.setPeer(a.endpoint);
        // Keep sending until the restarted node hears from a; what was sent while it was down may
        // or may not arrive, but order always holds.
        let seq = 2;
        await waitFor('a message after the restart', () => {
          a.transport.send(message('a', 'b', seq));
          seq += 1;
          return b2.received.length > 0;
        });
        const later = Array.from({ length: 20 }, (_, i) => seq + i);
        for (const s of later) a.transport.send(message('a', 'b', s));
        await waitFor('the later messages', () =>
          b2.received.some((m) => m.index === later.at(-1)),
        );
        const indexes = b2.received.map((m) => m.index ?? -1);
        assert.deepEqual(
          indexes,
          [...indexes].sort((x, y) => x - y),
          'in order',
        );
        assert.deepEqual(indexes.slice(-later.length), later);

        b2.transport.send(message('b', 'a', 500));
        await waitFor('the restarted node reaches a', () =>
          a.received.some((m) => m.index === 500),
        );
      },
    );

    it(
      'closes promptly with streams open, and stays quiet afterwards',
      { timeout: TEST_TIMEOUT_MS },
      async () => {
        const nodes = await cluster('a', 'b', 'c');
        for (const from of nodes) {
          for (const to of nodes) {
            if (from !== to)
              from.transport.send(message(from.endpoint.nodeId, to.endpoint.nodeId, 1));
          }
        }
        await waitFor('streams in use', () => nodes.every((n) => n.received.length === 2));
        const startedAt = Date.now();
        await Promise.all(nodes.map((n) => n.transport.close()));
        const elapsed = Date.now() - startedAt;
        assert.ok(elapsed < 1_500, `close() took ${elapsed} ms`);

        const [a, b] = nodes;
        a.transport.send(message('a', 'b', 2));
        await a.transport.close();
        await sleep(50);
        assert.equal(b.received.length, 2);
      },
    );

    it('never throws from send, whatever it is given', { timeout: TEST_TIMEOUT_MS }, async () => {
      const [a, b] = await cluster('a', 'b');
      const malformed = [
        { type: 'append', from: 'a', to: 'b', term: -1 },
        { type: 'no-such-type', from: 'a', to: 'b', term: 1 },
        { type: 'append', from: 'a', to: 'b', term: 1, entries: [{ data: () => 1 }] },
      ];
      for (const m of malformed) a.transport.send(m as unknown as Message);
      a.transport.send(message('a', 'b', 1));
      await waitFor('the valid message', () => b.received.some((m) => m.index === 1));
    });
  });
}

describe('InMemoryHub fault controls (test-only transport)', () => {
  it('partitions, isolates, loses and heals', { timeout: TEST_TIMEOUT_MS }, async () => {
    const hub = new InMemoryHub();
    const nodes = await Promise.all(
      ['a', 'b', 'c'].map(async (nodeId) => {
        const transport = new InMemoryTransport({ hub, nodeId, host: HOST, port: 0 });
        await transport.start();
        const received: Message[] = [];
        const unreachable: NodeId[] = [];
        transport.onMessage((m) => received.push(m));
        transport.onUnreachable((id) => unreachable.push(id));
        return { nodeId, transport, received, unreachable };
      }),
    );
    for (const node of nodes) {
      for (const other of nodes) {
        if (other !== node) {
          node.transport.setPeer({
            nodeId: other.nodeId,
            host: HOST,
            raftPort: other.transport.port,
          });
        }
      }
    }
    const [a, b, c] = nodes;
    try {
      hub.partition(['a'], ['b', 'c']);
      a.transport.send(message('a', 'b', 1));
      b.transport.send(message('b', 'c', 2));
      await waitFor('a reports b', () => a.unreachable.includes('b'));
      await waitFor('c hears b', () => c.received.length === 1);
      assert.equal(b.received.length, 0);

      hub.isolate('c');
      b.transport.send(message('b', 'c', 3));
      a.transport.send(message('a', 'b', 4));
      await waitFor('b reports c', () => b.unreachable.includes('c'));
      await waitFor('b hears a', () => b.received.length === 1);

      hub.heal();
      hub.dropWhen((m) => m.index === 5);
      a.transport.send(message('a', 'c', 5));
      a.transport.send(message('a', 'c', 6));
      await waitFor('c hears a', () => c.received.some((m) => m.from === 'a'));
      assert.deepEqual(
        c.received.filter((m) => m.from === 'a').map((m) => m.index),
        [6],
      );
      assert.deepEqual(a.unreachable, ['b'], 'a loss is silent');
    } finally {
      await Promise.all(nodes.map((node) => node.transport.close()));
    }
  });
});
