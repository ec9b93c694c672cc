import { createServer } from 'node:net';

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
    const port = await listenOnce(0);
    if (port >= 65535) continue;
    try {
      await listenOnce(port + 1);
      return port;
    } catch {
      // The next port is taken: try another pair.
    }
  }
  throw new Error('no free pair of loopback ports found');
}
