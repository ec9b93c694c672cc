import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';

/**
 * Where pairs are drawn from: below Linux's default ephemeral range (32768-60999), from which the
 * kernel also picks the local ports of outgoing connections. A port the kernel handed out as free
 * (`listen(0)`) can be taken by a connection of another process before the node binds it, as a
 * run once saw (EADDRINUSE on a Raft port); these are not handed out that way.
 */
const FIRST_PORT = 20_000;
const LAST_PORT = 32_000;

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : port;
      server.close(() => resolve(bound));
    });
  });
}

/** Two consecutive free loopback ports: a node's HTTP port and its Raft port (HTTP + 1). */
export async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = randomInt(FIRST_PORT, LAST_PORT);
    try {
      await listenOnce(port);
      await listenOnce(port + 1);
      return port;
    } catch {
      // One of the two is taken: try another pair.
    }
  }
  throw new Error('no free pair of loopback ports found');
}
