/**
 * A fault-injecting TCP proxy for one directed network link (node i dialing node j's Raft port).
 *
 * The Raft transport sends node i's messages to j only on connections that i opens, so faults on
 * this proxy affect what i says to j and leave j→i (another proxy) alone: a one-way partition is
 * just one proxy blocked.
 *
 * Faults, which combine:
 * - `blocked` (a partition): no byte moves in either direction of the link's connections, and new
 *   connections are accepted but not connected onwards. Nothing is thrown away: like TCP after a
 *   partition heals, held bytes flow again on heal, late, unless the endpoints gave up on the
 *   connection meanwhile (gRPC keepalive, stream timeouts).
 * - `latencyMs` ± `jitterMs`: every chunk from i to j is delivered that much later, in order.
 * - `lossRate`: a byte stream cannot lose bytes without corrupting it, so "loss" is modelled as a
 *   connection reset on a chunk with this probability: the messages in flight are lost and the
 *   sender reconnects, which is what a Raft transport sees of a lossy network.
 * `resetConnections()` resets every open connection once (RST, not FIN).
 */
import { createConnection, createServer, Server, Socket } from 'node:net';

export interface LinkFaults {
  readonly blocked: boolean;
  readonly latencyMs: number;
  readonly jitterMs: number;
  /** Probability in [0, 1] that a chunk from the dialing side resets its connection. */
  readonly lossRate: number;
}

export const NO_FAULTS: LinkFaults = Object.freeze({
  blocked: false,
  latencyMs: 0,
  jitterMs: 0,
  lossRate: 0,
});

export interface FaultProxyOptions {
  /** For logs and errors, e.g. `n1->n2`. */
  readonly name: string;
  readonly targetHost: string;
  readonly targetPort: number;
  /** A float in [0, 1): jitter and loss draws (seeded by the caller). */
  readonly random: () => number;
  readonly listenHost?: string;
}

export interface FaultProxyStats {
  readonly connectionsAccepted: number;
  readonly connectionsReset: number;
  readonly bytesForwarded: number;
}

/** Delivers chunks to one socket in order, each not before its due time, and not while held. */
class OrderedDelivery {
  private readonly queue: Array<{ chunk: Buffer; dueAt: number }> = [];
  private lastDueAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private held = false;

  constructor(
    private readonly write: (chunk: Buffer) => void,
    private readonly isClosed: () => boolean,
  ) {}

  push(chunk: Buffer, delayMs: number): void {
    const now = Date.now();
    // Never before an earlier chunk: a stream's bytes must stay in order whatever the jitter.
    const dueAt = Math.max(now + delayMs, this.lastDueAt);
    this.lastDueAt = dueAt;
    if (this.queue.length === 0 && !this.held && dueAt <= now) {
      this.write(chunk);
      return;
    }
    this.queue.push({ chunk, dueAt });
    this.schedule();
  }

  hold(): void {
    this.held = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  release(): void {
    this.held = false;
    this.schedule();
  }

  clear(): void {
    this.queue.length = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer || this.held || this.queue.length === 0) return;
    const wait = Math.max(0, this.queue[0].dueAt - Date.now());
    this.timer = setTimeout(() => this.drain(), wait);
  }

  private drain(): void {
    this.timer = undefined;
    const now = Date.now();
    while (!this.held && this.queue.length > 0 && this.queue[0].dueAt <= now) {
      const next = this.queue.shift();
      if (next && !this.isClosed()) this.write(next.chunk);
    }
    this.schedule();
  }
}

/** One proxied connection: the dialing side (`client`) and the dialed side (`server`). */
class ProxiedConnection {
  server: Socket | undefined;
  closed = false;
  private readonly toServer: OrderedDelivery;
  private readonly toClient: OrderedDelivery;

  constructor(
    private readonly proxy: FaultProxy,
    readonly client: Socket,
  ) {
    this.toServer = new OrderedDelivery(
      (chunk) => this.server?.write(chunk),
      () => this.closed,
    );
    this.toClient = new OrderedDelivery(
      (chunk) => this.client.write(chunk),
      () => this.closed,
    );
    client.setNoDelay(true);
    client.on('data', (chunk: Buffer) => this.fromClient(chunk));
    client.on('error', () => this.close(false));
    client.on('close', () => this.close(false));
  }

  /** Opens the onward connection (at once, or on heal when accepted during a partition). */
  connectOnwards(host: string, port: number): void {
    if (this.closed || this.server) return;
    const server = createConnection({ host, port });
    this.server = server;
    server.setNoDelay(true);
    server.on('data', (chunk: Buffer) => this.fromServer(chunk));
    server.on('error', () => this.close(true));
    server.on('close', () => this.close(false));
  }

  applyBlock(blocked: boolean): void {
    if (blocked) {
      this.client.pause();
      this.server?.pause();
      this.toServer.hold();
      this.toClient.hold();
    } else {
      this.toServer.release();
      this.toClient.release();
      this.client.resume();
      this.server?.resume();
    }
  }

  /** RST both sides: whatever was in flight is lost. */
  reset(): void {
    if (this.closed) return;
    this.closed = true;
    this.toServer.clear();
    this.toClient.clear();
    this.client.resetAndDestroy();
    this.server?.resetAndDestroy();
    this.proxy.forget(this, true);
  }

  close(resetPeer: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.toServer.clear();
    this.toClient.clear();
    // The onward side failing (refused, reset) looks to the dialing side like a reset too.
    if (resetPeer) this.client.resetAndDestroy();
    else this.client.destroy();
    this.server?.destroy();
    this.proxy.forget(this, false);
  }

  private fromClient(chunk: Buffer): void {
    const faults = this.proxy.faults;
    if (faults.lossRate > 0 && this.proxy.draw() < faults.lossRate) {
      this.reset();
      return;
    }
    this.proxy.countBytes(chunk.length);
    this.toServer.push(chunk, this.proxy.delayMs());
  }

  private fromServer(chunk: Buffer): void {
    // Only the dialing direction is delayed: the other one carries the receiver's acceptance and
    // HTTP/2 control frames of the same link, not the peer's own Raft messages.
    this.proxy.countBytes(chunk.length);
    this.toClient.push(chunk, 0);
  }
}

export class FaultProxy {
  private server: Server | undefined;
  private readonly connections = new Set<ProxiedConnection>();
  private current: LinkFaults = NO_FAULTS;
  private accepted = 0;
  private resets = 0;
  private bytes = 0;
  private listenPort = 0;

  constructor(private readonly options: FaultProxyOptions) {}

  get name(): string {
    return this.options.name;
  }

  /** The port this proxy listens on (once started). */
  get port(): number {
    return this.listenPort;
  }

  get address(): string {
    return `${this.options.listenHost ?? '127.0.0.1'}:${this.listenPort}`;
  }

  get faults(): LinkFaults {
    return this.current;
  }

  get stats(): FaultProxyStats {
    return {
      connectionsAccepted: this.accepted,
      connectionsReset: this.resets,
      bytesForwarded: this.bytes,
    };
  }

  /** Starts listening on a free port (or `port`); resolves with the port. */
  start(port = 0): Promise<number> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.options.listenHost ?? '127.0.0.1', () => {
        const address = server.address();
        this.listenPort = typeof address === 'object' && address ? address.port : port;
        resolve(this.listenPort);
      });
    });
  }

  /** Replaces the link's faults (fields not given keep their value). */
  setFaults(change: Partial<LinkFaults>): void {
    const wasBlocked = this.current.blocked;
    this.current = { ...this.current, ...change };
    if (wasBlocked !== this.current.blocked) {
      for (const connection of this.connections) {
        if (!this.current.blocked && !connection.server) {
          connection.connectOnwards(this.options.targetHost, this.options.targetPort);
        }
        connection.applyBlock(this.current.blocked);
      }
    }
  }

  /** Removes every fault; held bytes and connections flow again. */
  heal(): void {
    this.setFaults(NO_FAULTS);
  }

  /** Resets every open connection (the endpoints see ECONNRESET and reconnect). */
  resetConnections(): number {
    const open = [...this.connections];
    for (const connection of open) connection.reset();
    return open.length;
  }

  /** Stops listening and destroys every connection. */
  async close(): Promise<void> {
    for (const connection of [...this.connections]) connection.close(false);
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // ---- used by ProxiedConnection

  draw(): number {
    return this.options.random();
  }

  delayMs(): number {
    const { latencyMs, jitterMs } = this.current;
    if (latencyMs <= 0 && jitterMs <= 0) return 0;
    return Math.max(0, latencyMs + (this.draw() * 2 - 1) * jitterMs);
  }

  countBytes(length: number): void {
    this.bytes += length;
  }

  forget(connection: ProxiedConnection, wasReset: boolean): void {
    this.connections.delete(connection);
    if (wasReset) this.resets++;
  }

  private accept(socket: Socket): void {
    this.accepted++;
    const connection = new ProxiedConnection(this, socket);
    this.connections.add(connection);
    if (this.current.blocked) {
      // A partition: the dialer's SYN is answered (we are on its side of the cut), but nothing
      // reaches the other side until the link heals.
      connection.applyBlock(true);
    } else {
      connection.connectOnwards(this.options.targetHost, this.options.targetPort);
    }
  }
}
