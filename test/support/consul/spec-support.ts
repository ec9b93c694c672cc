/**
 * Helpers for the specs of this folder: raw HTTP calls that keep status and headers, a tiny HTTP
 * server for checks to call, polling, and a `consul` client pointed at a test server.
 */
import Consul from 'consul';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { ConsulTestServer, ConsulTestServerOptions } from './consul-test-server';
import { startConsul } from './index';

export interface RawAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown;
}

export interface RawRequest {
  readonly body?: string | Buffer;
  readonly headers?: Record<string, string>;
  readonly timeoutMs?: number;
}

export async function call(
  server: ConsulTestServer,
  method: string,
  pathAndQuery: string,
  request: RawRequest = {},
): Promise<RawAnswer> {
  const response = await fetch(`${server.url}${pathAndQuery}`, {
    method,
    headers: request.headers,
    body: request.body,
    signal: AbortSignal.timeout(request.timeoutMs ?? 10_000),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** `X-Consul-Index` of an answer, as a number. */
export function indexOf(answer: RawAnswer): number {
  const header = answer.headers.get('x-consul-index');
  if (header === null) throw new Error(`no X-Consul-Index in the answer (${answer.status})`);
  return Number(header);
}

/** A `consul` client for the server; call `destroy()` when done. */
export function consulClient(server: ConsulTestServer, token?: string): Consul {
  return new Consul({
    host: server.host,
    port: server.port,
    secure: false,
    ...(token === undefined ? {} : { defaults: { token } }),
  });
}

/** Polls `check` until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean> | boolean,
  pollMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/** An HTTP server for checks to call; it answers `statusCode` with `body`, both settable. */
export class CheckTarget {
  statusCode = 200;
  body = 'ok';
  /** When true, requests get no answer at all (a hung service). */
  hang = false;
  readonly seen: SeenRequest[] = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<CheckTarget> {
    const server = createServer();
    const target = new CheckTarget(server);
    server.on('request', (request, response) => {
      target.seen.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
      });
      if (target.hang) return;
      response.writeHead(target.statusCode, { 'Content-Type': 'text/plain' });
      response.end(target.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return target;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/health`;
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}

/** Field names of a JSON object, sorted. */
export function keysOf(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.keys(value).sort();
}

/** Narrows a JSON value to an object, failing the test otherwise. */
export function asObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`expected a JSON object, got ${JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Narrows a JSON value to an array, failing the test otherwise. */
export function asArray(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new Error(`expected a JSON array, got ${JSON.stringify(value)}`);
  return value as unknown[];
}

/**
 * Starts the agent the suite runs against (a real `consul agent -dev` when on the PATH, else the
 * fake) and closes it, and the clients made with `client()`, when the test ends.
 */
export async function agentForTest(
  t: TestContext,
  options: ConsulTestServerOptions = {},
): Promise<{ server: ConsulTestServer; client: (token?: string) => Consul }> {
  const server = await startConsul(options);
  const clients: Consul[] = [];
  t.after(async () => {
    for (const client of clients) client.destroy();
    await server.close();
  });
  return {
    server,
    client: (token?: string) => {
      const client = consulClient(server, token ?? options.aclToken);
      clients.push(client);
      return client;
    },
  };
}

/** Starts a check target that is closed when the test ends. */
export async function checkTargetForTest(t: TestContext): Promise<CheckTarget> {
  const target = await CheckTarget.start();
  t.after(() => target.close());
  return target;
}

/** A check as the `consul` client takes it (lower-case keys). */
export interface CheckSpec {
  readonly http?: string;
  readonly method?: string;
  readonly ttl?: string;
  readonly interval?: string;
  readonly timeout?: string;
  readonly status?: 'passing' | 'warning' | 'critical';
  readonly notes?: string;
  readonly name?: string;
  readonly deregistercriticalserviceafter?: string;
}

/** A service as the `consul` client takes it. */
export interface ServiceSpec {
  readonly name: string;
  readonly id?: string;
  readonly tags?: readonly string[];
  readonly address?: string;
  readonly port?: number;
  readonly meta?: Readonly<Record<string, string>>;
  readonly check?: CheckSpec;
  readonly checks?: readonly CheckSpec[];
}

/**
 * `consul.agent.service.register(spec)`. The client's typings demand `name` and `timeout` on every
 * check, which neither the client nor Consul needs (a TTL check has no timeout), hence the cast.
 */
export async function register(consul: Consul, spec: ServiceSpec): Promise<void> {
  await consul.agent.service.register(spec as unknown as { name: string });
}
