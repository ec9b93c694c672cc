import assert from 'node:assert/strict';
import { once } from 'node:events';
import { AddressInfo, connect, Socket } from 'node:net';
import { describe, it, mock } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { EVENT_STREAM_LIMITS } from './event-stream-limits';
import { WsSink } from './ws-sink';

/**
 * A WebSocket client that completes the handshake and then never answers again (no close frame):
 * the client a stopping node must not wait 30 s for.
 */
async function silentClient(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
      'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
  );
  const [first] = (await once(socket, 'data')) as [Buffer];
  assert.match(first.toString('latin1'), /^HTTP\/1\.1 101 /);
  socket.on('error', () => undefined);
  return socket;
}

describe('WsSink', () => {
  it(
    'a stopping node ends a client that does not answer the close frame after its grace',
    { timeout: 20_000 },
    async () => {
      const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
      await once(server, 'listening');
      try {
        const connected = once(server, 'connection') as Promise<[WebSocket]>;
        const client = await silentClient((server.address() as AddressInfo).port);
        const [serverSide] = await connected;
        const sink = new WsSink(serverSide);
        const clientClosed = once(client, 'close');

        // Only the clock is played: the grace elapses at once, ws's own 30 s close timeout does not.
        mock.timers.enable({ apis: ['setTimeout'] });
        try {
          sink.close('shutting_down', 'this node is stopping', '7');
          mock.timers.tick(EVENT_STREAM_LIMITS.shutdownGraceMs);
        } finally {
          mock.timers.reset();
        }
        await clientClosed;
        assert.equal(serverSide.readyState, WebSocket.CLOSED);
      } finally {
        server.close();
      }
    },
  );
});
