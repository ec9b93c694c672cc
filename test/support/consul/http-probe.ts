/**
 * One run of an HTTP check, judged as Consul judges it: 2xx passing, 429 warning, anything else
 * critical, with Consul's output text ("HTTP GET <url>: 200 OK Output: <body>") and Go's error text
 * when the call fails. Like Consul it closes the connection after each call (no keep-alive).
 */
import http from 'node:http';
import https from 'node:https';
import { CheckStatus } from './consul-json';
import { MAX_CHECK_OUTPUT_BYTES } from './agent-catalog';
import { HttpProbeDefinition } from './registration';

export interface ProbeResult {
  readonly status: CheckStatus;
  readonly output: string;
}

/** Runs the check once; never rejects. `signal` aborts it when the agent stops. */
export function runHttpProbe(
  probe: HttpProbeDefinition,
  signal: AbortSignal,
): Promise<ProbeResult> {
  // Go names the operation with the method's first letter capitalised: `Get "http://...": ...`.
  const operation = probe.method.charAt(0).toUpperCase() + probe.method.slice(1).toLowerCase();
  const failed = (reason: string): ProbeResult => ({
    status: 'critical',
    output: `${operation} "${probe.url}": ${reason}`,
  });

  let url: URL;
  try {
    url = new URL(probe.url);
  } catch {
    return Promise.resolve(failed('unsupported protocol scheme ""'));
  }
  const transport = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (!transport) {
    return Promise.resolve(
      failed(`unsupported protocol scheme "${url.protocol.replace(':', '')}"`),
    );
  }

  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const headers: Record<string, string | string[]> = {
      'User-Agent': 'Consul Health Check',
      Accept: 'text/plain, text/*, */*',
      Connection: 'close',
    };
    for (const [name, values] of Object.entries(probe.headers)) headers[name] = [...values];

    const request = transport.request(url, { method: probe.method, headers, agent: false });
    const timer = setTimeout(() => {
      settle(failed('context deadline exceeded (Client.Timeout exceeded while awaiting headers)'));
      request.destroy();
    }, probe.timeoutMs);
    const onAbort = (): void => {
      settle(failed('context canceled'));
      request.destroy();
    };
    signal.addEventListener('abort', onAbort);

    request.on('error', (error: NodeJS.ErrnoException) =>
      settle(failed(describeError(error, url))),
    );
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      response.on('data', (chunk: Buffer) => {
        if (kept < MAX_CHECK_OUTPUT_BYTES) {
          chunks.push(chunk);
          kept += chunk.length;
        }
      });
      const finish = (): void => {
        const code = response.statusCode ?? 0;
        const body = Buffer.concat(chunks).subarray(0, MAX_CHECK_OUTPUT_BYTES).toString('utf8');
        const statusLine = `${code} ${http.STATUS_CODES[code] ?? ''}`.trim();
        const status: CheckStatus =
          code >= 200 && code <= 299 ? 'passing' : code === 429 ? 'warning' : 'critical';
        settle({
          status,
          output: `HTTP ${probe.method} ${probe.url}: ${statusLine} Output: ${body}`,
        });
      };
      response.on('end', finish);
      response.on('error', finish);
    });
    if (probe.body) request.write(probe.body);
    request.end();
  });
}

/** Go's wording for the usual network failures, e.g. `dial tcp 127.0.0.1:1: connect: connection refused`. */
function describeError(error: NodeJS.ErrnoException, url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const target = `${url.hostname}:${port}`;
  switch (error.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${target}: connect: connection refused`;
    case 'ECONNRESET':
      return 'read: connection reset by peer';
    case 'ENOTFOUND':
      return `dial tcp: lookup ${url.hostname}: no such host`;
    case 'EHOSTUNREACH':
      return `dial tcp ${target}: connect: no route to host`;
    default:
      return error.message;
  }
}
