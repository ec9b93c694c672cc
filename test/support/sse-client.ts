/**
 * Test and bench support: a small Server-Sent Events client over node:http (no EventSource in
 * Node 20), which keeps every event it receives and can stop reading to play a slow client.
 */
import http from 'node:http';

/** One event of the stream: `id` is absent for events without an `id:` line. */
export interface SseEvent {
  readonly id?: string;
  readonly event: string;
  readonly data: string;
  /** performance.now() when its last line arrived. */
  readonly receivedAt: number;
}

/** A refused stream: the HTTP status and the body the node answered with. */
export class SseRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`the stream was refused: ${status} ${body}`);
  }
}

export class SseClient {
  readonly events: SseEvent[] = [];
  /** Comment lines (`: heartbeat`) received. */
  comments = 0;
  private readonly listeners: Array<(event: SseEvent) => void> = [];
  private buffer = '';
  private field: { id?: string; event?: string; data: string[] } = { data: [] };
  private endedFlag = false;
  readonly ended: Promise<void>;

  private constructor(
    private readonly request: http.ClientRequest,
    private readonly response: http.IncomingMessage,
  ) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => this.take(chunk));
    this.ended = new Promise((resolve) => {
      const done = (): void => {
        this.endedFlag = true;
        resolve();
      };
      response.on('end', done);
      response.on('close', done);
      response.on('error', done);
    });
  }

  /** Opens `url` (with `headers`); resolves once the node answered 200, rejects with SseRefused. */
  static connect(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const request = http.get(url, { headers: { accept: 'text/event-stream', ...headers } });
      request.on('error', reject);
      request.on('response', (response) => {
        if (response.statusCode !== 200) {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () => reject(new SseRefused(response.statusCode ?? 0, body)));
          return;
        }
        resolve(new SseClient(request, response));
      });
    });
  }

  get isEnded(): boolean {
    return this.endedFlag;
  }

  /** Events with an id (from the log), in order. */
  logEvents(): SseEvent[] {
    return this.events.filter((e) => e.id !== undefined);
  }

  onEvent(listener: (event: SseEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Stops reading: the node's writes pile up in the socket, as with a slow client. */
  pause(): void {
    this.response.pause();
  }

  resume(): void {
    this.response.resume();
  }

  /** Resolves once `predicate` holds for the events so far; rejects after `timeoutMs`. */
  waitFor(
    what: string,
    predicate: (events: readonly SseEvent[]) => boolean,
    timeoutMs = 20_000,
  ): Promise<void> {
    if (predicate(this.events)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${what}; got ${this.events.length} events`)),
        timeoutMs,
      );
      this.listeners.push(() => {
        if (predicate(this.events)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }

  close(): void {
    this.request.destroy();
  }

  private take(chunk: string): void {
    this.buffer += chunk;
    for (;;) {
      const newline = this.buffer.indexOf('\n');
      if (newline < 0) return;
      const line = this.buffer.slice(0, newline).replace(/\r$/, '');
      this.buffer = this.buffer.slice(newline + 1);
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') {
      if (this.field.data.length > 0) {
        const event: SseEvent = {
          ...(this.field.id === undefined ? {} : { id: this.field.id }),
          event: this.field.event ?? 'message',
          data: this.field.data.join('\n'),
          receivedAt: performance.now(),
        };
        this.events.push(event);
        for (const listener of [...this.listeners]) listener(event);
      }
      this.field = { data: [] };
      return;
    }
    if (line.startsWith(':')) {
      this.comments++;
      return;
    }
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (name === 'id') this.field.id = value;
    else if (name === 'event') this.field.event = value;
    else if (name === 'data') this.field.data.push(value);
  }
}
