import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Message, NodeId } from '@falconmind/raft';
import { GrpcPeerTransport } from './transport';

const HOST = '127.0.0.1';

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Received {
  readonly from: NodeId;
  readonly text: string;
}

describe('telemetry over the peer transport', () => {
  const transports: GrpcPeerTransport[] = [];
  afterEach(async () => {
    await Promise.all(transports.splice(0).map((t) => t.close()));
  });

  async function start(nodeId: NodeId, clusterSecret?: string): Promise<GrpcPeerTransport> {
    const transport = new GrpcPeerTransport({
      nodeId,
      host: HOST,
      port: 0,
      clusterId: 'telemetry-test',
      clusterSecret,
    });
    transports.push(transport);
    await transport.start();
    return transport;
  }

  function connect(a: GrpcPeerTransport, aId: NodeId, b: GrpcPeerTransport, bId: NodeId): void {
    a.setPeer({ nodeId: bId, host: HOST, raftPort: b.port });
    b.setPeer({ nodeId: aId, host: HOST, raftPort: a.port });
  }

  it('delivers batches to every peer, beside Raft messages on the same port', async () => {
    const secret = 'a-shared-cluster-secret';
    const a = await start('a', secret);
    const b = await start('b', secret);
    const c = await start('c', secret);
    connect(a, 'a', b, 'b');
    connect(a, 'a', c, 'c');
    const atB: Received[] = [];
    const atC: Received[] = [];
    const raftAtB: Message[] = [];
    const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
    b.telemetry.onReceive((from, payload) => atB.push({ from, text: decode(payload) }));
    c.telemetry.onReceive((from, payload) => atC.push({ from, text: decode(payload) }));
    b.onMessage((message) => raftAtB.push(message));

    for (let i = 0; i < 20; i++) {
      a.send({ type: 'heartbeat', from: 'a', to: 'b', term: 1, commit: i });
      a.telemetry.broadcast(new TextEncoder().encode(`batch-${i}`), 3);
    }
    await waitFor('every batch at b and c', () => atB.length === 20 && atC.length === 20);
    await waitFor('every heartbeat at b', () => raftAtB.length === 20);
    assert.deepEqual(
      atB.map((r) => r.text),
      Array.from({ length: 20 }, (_, i) => `batch-${i}`),
    );
    assert.ok(atC.every((r) => r.from === 'a'));
    assert.deepEqual(a.telemetry.stats(), { sent: 2 * 20 * 3, dropped: 0 });
  });

  it('drops the oldest batches for a peer that cannot take them, and counts them', async () => {
    const a = await start('a');
    // A peer that is never started: its batches wait, then the oldest go.
    a.setPeer({ nodeId: 'ghost', host: HOST, raftPort: 1 });
    for (let i = 0; i < 100; i++) a.telemetry.broadcast(new Uint8Array([i]), 2);
    const stats = a.telemetry.stats();
    assert.equal(stats.sent, 0);
    assert.equal(stats.dropped, (100 - 64) * 2);
  });

  it('refuses a telemetry call from another cluster', async () => {
    const a = await start('a', 'one-cluster-secret!');
    const b = await start('b', 'another-secret-here');
    connect(a, 'a', b, 'b');
    const atB: Received[] = [];
    b.telemetry.onReceive((from, payload) => atB.push({ from, text: String(payload.length) }));
    for (let i = 0; i < 5; i++) a.telemetry.broadcast(new Uint8Array([1, 2, 3]), 1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(atB.length, 0);
    assert.equal(a.telemetry.stats().sent, 0);
  });
});
