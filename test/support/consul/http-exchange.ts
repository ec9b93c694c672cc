/**
 * One request as the route handlers see it, and the answers they give back. Keeps Node's `http`
 * plumbing (bodies, headers, client disconnects) out of the handlers.
 */
import { IncomingMessage } from 'node:http';
import { AclIdentity } from './acl';
import { parseConsulDuration } from './durations';
import { badRequest, ConsulHttpError } from './http-error';

/** Consul refuses KV values (and so, bodies) above 512 KiB. */
export const MAX_BODY_BYTES = 512 * 1024;
/** A blocking query waits 5 min unless `?wait=` says otherwise, and never more than 10 min. */
const DEFAULT_BLOCKING_WAIT_MS = 5 * 60_000;
const MAX_BLOCKING_WAIT_MS = 10 * 60_000;
/** Consul adds up to wait/16 at random so that many watchers do not all come back at once. */
const BLOCKING_JITTER_FRACTION = 16;

export interface Exchange {
  readonly request: IncomingMessage;
  readonly method: string;
  /** The path below `/v1/`, percent-decoded. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Never 'unknown-token': such requests are refused before reaching a handler. */
  readonly identity: Exclude<AclIdentity, 'unknown-token'>;
  /** Aborted when the client goes away or the agent stops. */
  readonly signal: AbortSignal;
  readBody(): Promise<Buffer>;
}

export interface Reply {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Buffer;
}

export function jsonReply(
  value: unknown,
  headers: Readonly<Record<string, string>> = {},
  statusCode = 200,
): Reply {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(value),
  };
}

export function textReply(
  statusCode: number,
  text: string,
  headers: Readonly<Record<string, string>> = {},
): Reply {
  return {
    statusCode,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', ...headers },
    body: text,
  };
}

/** The 403 of a request running as the anonymous token, worded as Consul words it. */
export function permissionDenied(permission: string, resource: string): ConsulHttpError {
  return new ConsulHttpError(
    403,
    `Permission denied: anonymous token lacks permission '${permission}' on "${resource}". ` +
      'The anonymous token is used implicitly when a request does not specify a token.',
  );
}

export function requireManagement(exchange: Exchange, permission: string, resource: string): void {
  if (exchange.identity !== 'management') throw permissionDenied(permission, resource);
}

/** Decodes a JSON body; a malformed one is the 400 Consul sends. */
export async function readJsonBody(exchange: Exchange): Promise<unknown> {
  const body = await exchange.readBody();
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (error) {
    throw badRequest(
      `Request decode failed: ${error instanceof Error ? error.message : 'invalid JSON'}`,
    );
  }
}

export interface BlockingParameters {
  readonly minIndex: number;
  /** Already multiplied by the time scale, jitter included. */
  readonly maxWaitMs: number;
}

/** `?index=` and `?wait=` of a blocking query. */
export function blockingParameters(query: URLSearchParams, timeScale: number): BlockingParameters {
  const indexText = query.get('index');
  let minIndex = 0;
  if (indexText !== null && indexText !== '') {
    if (!/^\d+$/.test(indexText)) throw badRequest('Invalid index');
    minIndex = Number(indexText);
  }
  const waitText = query.get('wait');
  let waitMs = DEFAULT_BLOCKING_WAIT_MS;
  if (waitText !== null && waitText !== '') {
    try {
      waitMs = parseConsulDuration(waitText);
    } catch {
      throw badRequest('Invalid wait time');
    }
    if (waitMs <= 0) waitMs = DEFAULT_BLOCKING_WAIT_MS;
  }
  waitMs = Math.min(waitMs, MAX_BLOCKING_WAIT_MS);
  const jitterMs = Math.random() * (waitMs / BLOCKING_JITTER_FRACTION);
  return { minIndex, maxWaitMs: (waitMs + jitterMs) * timeScale };
}

/** The headers every blocking-capable read carries. */
export function queryMetaHeaders(index: number): Record<string, string> {
  return {
    'X-Consul-Index': String(Math.max(1, index)),
    'X-Consul-KnownLeader': 'true',
    'X-Consul-LastContact': '0',
    'X-Consul-Effective-Consistency': 'leader',
  };
}

/** Whether a flag-style query parameter is present (`?passing`, `?recurse`, `?raw`...). */
export function hasFlag(query: URLSearchParams, name: string): boolean {
  return query.has(name) && query.get(name) !== 'false';
}
