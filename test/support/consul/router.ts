/**
 * Turns HTTP requests into route handler calls: finds the route, applies the ACL, reads the body,
 * writes the handler's answer or error as Consul would (plain-text errors, 404 for unknown paths,
 * 405 for a known path with the wrong method).
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { AgentAcl } from './acl';
import { Route } from './agent-context';
import { ConsulHttpError } from './http-error';
import { Exchange, MAX_BODY_BYTES, Reply, textReply } from './http-exchange';

type Method = keyof Route['handlers'];

export class Router {
  private readonly inFlight = new Set<AbortController>();

  constructor(
    private readonly routes: readonly Route[],
    private readonly acl: AgentAcl,
  ) {}

  /** The `request` listener of the agent's HTTP server. */
  readonly handle = (request: IncomingMessage, response: ServerResponse): void => {
    const aborter = new AbortController();
    this.inFlight.add(aborter);
    // A client that hangs up ends its blocking query; so does the agent going down.
    response.on('close', () => {
      aborter.abort();
      this.inFlight.delete(aborter);
    });
    this.answer(request, aborter.signal)
      .catch((error: unknown) => replyForError(error))
      .then((reply) => {
        if (response.destroyed || response.writableEnded) return;
        response.writeHead(reply.statusCode, reply.headers);
        response.end(reply.body);
      })
      .catch(() => {
        // The socket went away while writing: nothing left to tell anyone.
      });
  };

  /** Ends every request being held (blocking queries), as when the agent goes down. */
  abortAll(): void {
    for (const aborter of this.inFlight) aborter.abort();
    this.inFlight.clear();
  }

  private async answer(request: IncomingMessage, signal: AbortSignal): Promise<Reply> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = (request.method ?? 'GET').toUpperCase();
    if (!url.pathname.startsWith('/v1/')) return notFoundReply(url.pathname);
    let path: string;
    try {
      path = decodeURIComponent(url.pathname.slice('/v1/'.length));
    } catch {
      return textReply(400, 'Invalid URL path encoding');
    }

    for (const route of this.routes) {
      const match = route.pattern.exec(path);
      if (!match) continue;
      const handler = route.handlers[method as Method];
      if (!handler) {
        return textReply(405, `method ${method} not allowed`, {
          Allow: Object.keys(route.handlers).join(','),
        });
      }
      const identity = route.open ? 'management' : this.acl.identify(request, url.searchParams);
      if (identity === 'unknown-token') return textReply(403, 'ACL not found');
      const exchange: Exchange = {
        request,
        method,
        path,
        query: url.searchParams,
        identity,
        signal,
        readBody: () => readBody(request),
      };
      return handler(
        exchange,
        match.slice(1).map((param) => param ?? ''),
      );
    }
    return notFoundReply(url.pathname);
  }
}

function notFoundReply(pathname: string): Reply {
  return textReply(404, `Invalid URL path: not a recognized HTTP API endpoint: ${pathname}`);
}

function replyForError(error: unknown): Reply {
  if (error instanceof ConsulHttpError) {
    return textReply(error.statusCode, error.message, error.headers);
  }
  return textReply(500, error instanceof Error ? error.message : String(error));
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Keep one byte past the limit so that the handler can tell the value is too large.
      if (size <= MAX_BODY_BYTES + 1) chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}
