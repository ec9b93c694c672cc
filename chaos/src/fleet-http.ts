/**
 * One HTTP request to a node's fleet API, bounded in time, and what came of it: an answer (status,
 * body, the X-Raft-* headers) or no answer, with why. Deciding what an outcome means for the history
 * is `classify-outcome.ts`'s business.
 */

export interface RaftHeaders {
  readonly servedBy?: string;
  readonly term?: number;
  readonly appliedIndex?: number;
  readonly lastContactMs?: number | 'unknown';
}

export type HttpOutcome =
  | {
      readonly kind: 'answer';
      readonly status: number;
      readonly body: unknown;
      readonly raft: RaftHeaders;
    }
  | {
      readonly kind: 'no-answer';
      /**
       * `refused`: the connection was refused, so the request was never sent. Anything else
       * (`timeout`, `reset`, `other`) may have reached the node.
       */
      readonly reason: 'refused' | 'timeout' | 'reset' | 'other';
      readonly message: string;
    };

function numberHeader(headers: Headers, name: string): number | undefined {
  const value = headers.get(name);
  return value !== null && /^\d+$/.test(value) ? Number(value) : undefined;
}

function raftHeaders(headers: Headers): RaftHeaders {
  const contact = headers.get('x-raft-last-contact-ms');
  return {
    servedBy: headers.get('x-raft-node') ?? undefined,
    term: numberHeader(headers, 'x-raft-term'),
    appliedIndex: numberHeader(headers, 'x-raft-applied-index'),
    lastContactMs:
      contact === null ? undefined : /^\d+$/.test(contact) ? Number(contact) : 'unknown',
  };
}

/** The innermost cause's code or name (fetch wraps socket errors in `TypeError: fetch failed`). */
function errorCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    if (current.name === 'TimeoutError' || current.name === 'AbortError') return current.name;
    current = (current as { cause?: unknown }).cause;
  }
  return error instanceof Error ? error.name : 'unknown';
}

export async function requestFleet(
  baseUrl: string,
  method: 'GET' | 'POST',
  pathname: string,
  options: { body?: unknown; headers?: Record<string, string>; timeoutMs: number },
): Promise<HttpOutcome> {
  try {
    const response = await fetch(`${baseUrl}${pathname}`, {
      method,
      headers: {
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      // Not JSON: keep the text for the record.
    }
    return { kind: 'answer', status: response.status, body, raft: raftHeaders(response.headers) };
  } catch (error) {
    const code = errorCode(error);
    const message = `${code}: ${error instanceof Error ? error.message : String(error)}`;
    if (code === 'ECONNREFUSED') return { kind: 'no-answer', reason: 'refused', message };
    if (code === 'TimeoutError' || code === 'AbortError' || code === 'UND_ERR_HEADERS_TIMEOUT') {
      return { kind: 'no-answer', reason: 'timeout', message };
    }
    if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') {
      return { kind: 'no-answer', reason: 'reset', message };
    }
    return { kind: 'no-answer', reason: 'other', message };
  }
}
