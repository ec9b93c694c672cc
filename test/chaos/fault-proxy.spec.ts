import assert from 'node:assert/strict';
import { once } from 'node:events';
import { AddressInfo, createConnection, createServer, Server, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { FaultProxy } from '../../chaos/src/fault-proxy';
import { ProxyMesh } from '../../chaos/src/proxy-mesh';
import { SeededRandom } from '../../chaos/src/seeded-random';

/** The fault proxy on plain TCP: echo servers stand in for the nodes' Raft ports. */

async function echoServer(): Promise<Server> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

async function connect(port: number): Promise<Socket> {
  const socket = createConnection({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  return socket;
}

/** Everything a socket received so far. */
class Received {
  text = '';
  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => (this.text += chunk.toString()));
  }

  /** Waits until `expected` has arrived, or `timeoutMs` passed; returns what arrived. */
  async waitFor(expected: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.text.length < expected.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return this.text;
  }
}

/** Sends `text` on a fresh collector and resolves with what came back within `timeoutMs`. */
async function roundTrip(socket: Socket, text: string, timeoutMs: number): Promise<string> {
  const received = new Received(socket);
  socket.write(text);
  return received.waitFor(text, timeoutMs);
}

/** Resolves once the socket closes, reset or not (`once` would reject on the reset's error). */
function closing(socket: Socket): Promise<void> {
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('FaultProxy', { timeout: 20_000 }, () => {
  let echo: Server;
  let proxy: FaultProxy;
  const sockets: Socket[] = [];

  before(async () => {
    echo = await echoServer();
    const random = new SeededRandom(7);
    proxy = new FaultProxy({
      name: 'a->b',
      targetHost: '127.0.0.1',
      targetPort: portOf(echo),
      random: () => random.next(),
    });
    await proxy.start();
  });

  after(async () => {
    for (const socket of sockets) socket.destroy();
    await proxy.close();
    await closeServer(echo);
  });

  async function client(): Promise<Socket> {
    const socket = await connect(proxy.port);
    socket.on('error', () => undefined);
    sockets.push(socket);
    return socket;
  }

  it('passes bytes through both ways when healthy', async () => {
    const socket = await client();
    assert.equal(await roundTrip(socket, 'hello', 2000), 'hello');
  });

  it('holds everything during a partition and delivers it, in order, on heal', async () => {
    const socket = await client();
    const received = new Received(socket);
    socket.write('before');
    assert.equal(await received.waitFor('before', 2000), 'before');
    proxy.setFaults({ blocked: true });
    socket.write('during');
    assert.equal(await received.waitFor('beforeduring', 300), 'before');
    // A connection opened during the partition gets nowhere either.
    const late = await client();
    const lateReceived = new Received(late);
    late.write('late');
    assert.equal(await lateReceived.waitFor('late', 300), '');
    proxy.heal();
    assert.equal(await received.waitFor('beforeduring', 2000), 'beforeduring');
    assert.equal(await lateReceived.waitFor('late', 2000), 'late');
  });

  it('adds latency to the dialing direction, keeping the order of chunks', async () => {
    const socket = await client();
    const received = new Received(socket);
    proxy.setFaults({ latencyMs: 200, jitterMs: 50 });
    const started = Date.now();
    for (const part of ['1', '2', '3', '4', '5']) {
      socket.write(part);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const echoed = await received.waitFor('12345', 3000);
    const elapsed = Date.now() - started;
    proxy.heal();
    assert.equal(echoed, '12345');
    assert.ok(elapsed >= 140, `the echo came back after ${elapsed} ms`);
  });

  it('resets connections: on demand, and as packet loss', async () => {
    const socket = await client();
    assert.equal(await roundTrip(socket, 'x', 2000), 'x');
    const closed = closing(socket);
    assert.ok(proxy.resetConnections() >= 1);
    await closed;
    const lossy = await client();
    proxy.setFaults({ lossRate: 1 });
    const lost = closing(lossy);
    lossy.write('lost');
    await lost;
    proxy.heal();
    assert.ok(proxy.stats.connectionsReset >= 2);
    assert.equal(await roundTrip(await client(), 'fine', 2000), 'fine');
  });
});

describe('ProxyMesh', { timeout: 20_000 }, () => {
  const servers = new Map<string, Server>();
  let mesh: ProxyMesh;
  const sockets: Socket[] = [];

  before(async () => {
    for (const id of ['a', 'b', 'c']) servers.set(id, await echoServer());
    mesh = await ProxyMesh.start(
      [...servers].map(([nodeId, server]) => ({ nodeId, raftPort: portOf(server) })),
      new SeededRandom(1),
    );
  });

  after(async () => {
    for (const socket of sockets) socket.destroy();
    await mesh.close();
    await Promise.all([...servers.values()].map(closeServer));
  });

  /** A connection as `from` would open it to `to`, through `from`'s route. */
  async function dial(from: string, to: string): Promise<Socket> {
    const [, port] = mesh.routesFor(from)[to].split(':');
    const socket = await connect(Number(port));
    socket.on('error', () => undefined);
    sockets.push(socket);
    return socket;
  }

  it('gives each node routes to every peer through its own proxies', () => {
    const routes = mesh.routesFor('a');
    assert.deepEqual(Object.keys(routes).sort(), ['b', 'c']);
    assert.notEqual(routes.b, mesh.routesFor('c').b);
  });

  it('cuts one direction only in a one-way partition', async () => {
    const ab = await dial('a', 'b');
    const ba = await dial('b', 'a');
    mesh.block([{ from: 'a', to: 'b' }]);
    assert.equal(await roundTrip(ab, 'a to b', 300), '');
    assert.equal(await roundTrip(ba, 'b to a', 2000), 'b to a');
    mesh.healAll();
  });

  it('isolates a node from the others, both ways, and heals', async () => {
    mesh.block(mesh.linksBetweenGroups([['a'], ['b', 'c']]));
    assert.deepEqual(mesh.faultyLinks().sort(), ['a->b', 'a->c', 'b->a', 'c->a']);
    const bc = await dial('b', 'c');
    assert.equal(await roundTrip(bc, 'majority', 2000), 'majority');
    const ca = await dial('c', 'a');
    const received = new Received(ca);
    ca.write('cut');
    assert.equal(await received.waitFor('cut', 300), '');
    mesh.healAll();
    assert.deepEqual(mesh.faultyLinks(), []);
    assert.equal(await received.waitFor('cut', 2000), 'cut');
  });
});
