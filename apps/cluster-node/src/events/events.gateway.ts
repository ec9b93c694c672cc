import { IncomingMessage, Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { WebSocketServer } from 'ws';
import { NODE_LOGGER } from '../cluster/cluster.tokens';
import { ApiError } from '../common/api-error';
import { NodeLogger } from '../node-logger';
import { EventFeed } from './event-feed.service';
import { admitEventStream } from './event-stream-admission';
import { parseEventStreamRequest } from './event-stream-request';
import { WsSink } from './ws-sink';

/** The path of the WebSocket stream on the node's HTTP port. */
export const EVENTS_WS_PATH = '/ws';

/** Clients only listen; anything they send is small or a mistake. */
const MAX_CLIENT_MESSAGE_BYTES = 4096;

/**
 * `GET /ws` (WebSocket upgrade): the same events as `/events`, one JSON text message each, with the
 * same query (`types`, `mission_id`, `uav_id`, `telemetry`, `from_index`; `last_event_id` as the
 * SSE header). Attached to the HTTP server Nest listens with, so it shares the node's port.
 */
@Injectable()
export class EventsWebSocketGateway implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly server = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_CLIENT_MESSAGE_BYTES,
  });
  private httpServer: Server | undefined;
  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void =>
    this.upgrade(request, socket, head);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly feed: EventFeed,
    @Inject(NODE_LOGGER) private readonly logger: NodeLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.httpServer = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.httpServer.on('upgrade', this.onUpgrade);
  }

  onModuleDestroy(): void {
    this.httpServer?.off('upgrade', this.onUpgrade);
    this.server.close();
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    try {
      const url = requestUrl(request);
      if (url.pathname !== EVENTS_WS_PATH) {
        // This is the server's only upgrade listener: a socket it leaves alone is never closed.
        throw new ApiError(HttpStatus.NOT_FOUND, `no WebSocket at ${url.pathname}`, [
          { field: 'path', reason: `the WebSocket stream is at ${EVENTS_WS_PATH}` },
        ]);
      }
      const query: Record<string, unknown> = {};
      for (const key of new Set(url.searchParams.keys())) {
        const values = url.searchParams.getAll(key);
        query[key] = values.length === 1 ? values[0] : values;
      }
      const lastEventId = url.searchParams.get('last_event_id') ?? undefined;
      const wanted = parseEventStreamRequest(query, lastEventId);
      admitEventStream(this.feed, wanted, lastEventId ? 'last_event_id' : 'from_index');
      this.server.handleUpgrade(request, socket, head, (client) => {
        client.on('message', () => undefined);
        this.feed.subscribe(wanted, new WsSink(client));
      });
    } catch (error) {
      refuseUpgrade(socket, error, this.logger);
    }
  }
}

/**
 * The request's URL. Any request line reaches this listener (`GET //x:99999/ws` is not a URL), and
 * an exception thrown from an 'upgrade' listener would end the process: it becomes a 400.
 */
function requestUrl(request: IncomingMessage): URL {
  try {
    return new URL(request.url ?? '/', 'http://node');
  } catch {
    throw ApiError.badRequest([{ field: 'url', reason: 'the request target is not a valid path' }]);
  }
}

/** Answers a refused upgrade with the API's JSON error body, as any other request would get. */
function refuseUpgrade(socket: Duplex, error: unknown, logger: NodeLogger): void {
  let status = 500;
  let body: unknown = { statusCode: 500, error: 'Error', message: 'internal error', details: [] };
  if (error instanceof HttpException) {
    status = error.getStatus();
    body = error.getResponse();
  } else {
    logger.warn('a WebSocket upgrade failed', { error: String(error) });
  }
  const text = JSON.stringify(body);
  // The socket is ours once the upgrade reached us: it is destroyed, not left to the client.
  socket.on('error', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(text)}\r\n` +
      'Connection: close\r\n\r\n' +
      text,
    () => socket.destroy(),
  );
}
