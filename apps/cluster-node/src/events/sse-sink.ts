import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EncodedEvent, EncodedTelemetry, EventSink } from './event-sink';
import { EVENT_STREAM_LIMITS, StreamCloseReason } from './event-stream-limits';

/**
 * A Server-Sent Events response (`text/event-stream`), written on Node's own response: the HTTP
 * framework has handed it over (Fastify's `reply.hijack()`).
 */
export class SseSink implements EventSink {
  private closed = false;
  private readonly closeListeners: Array<() => void> = [];

  constructor(
    request: IncomingMessage,
    private readonly response: ServerResponse,
  ) {
    response.statusCode = 200;
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('Cache-Control', 'no-cache, no-transform');
    response.setHeader('Connection', 'keep-alive');
    // Proxies that buffer responses (nginx) would hold events back.
    response.setHeader('X-Accel-Buffering', 'no');
    response.flushHeaders();
    // Small frames go out at once rather than waiting for more (Nagle).
    request.socket.setNoDelay(true);
    // Tells EventSource how long to wait before it reconnects.
    response.write('retry: 1000\n\n');
    const ended = (): void => this.ended();
    response.on('close', ended);
    request.on('close', ended);
  }

  sendEvent(event: EncodedEvent): void {
    if (!this.closed) this.response.write(event.sse);
  }

  sendTelemetry(sample: EncodedTelemetry): void {
    if (!this.closed) this.response.write(sample.sse);
  }

  heartbeat(): void {
    if (!this.closed) this.response.write(': heartbeat\n\n');
  }

  bufferedBytes(): number {
    return this.response.writableLength;
  }

  drained(): Promise<void> {
    if (this.closed || !this.response.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.response.off('drain', done);
        this.response.off('close', done);
        resolve();
      };
      this.response.on('drain', done);
      this.response.on('close', done);
    });
  }

  close(reason: StreamCloseReason, message: string, lastEventId: string | undefined): void {
    if (this.closed) return;
    const body = JSON.stringify({ reason, message, last_event_id: lastEventId ?? null });
    this.response.end(`event: error\ndata: ${body}\n\n`);
    // The reason is queued behind what the client has not read yet; a client that never reads
    // again must not keep that buffer alive.
    // A stopping node gives it less: the HTTP server waits for its connections before it closes.
    const graceMs =
      reason === 'shutting_down'
        ? EVENT_STREAM_LIMITS.shutdownGraceMs
        : EVENT_STREAM_LIMITS.closeGraceMs;
    const timer = setTimeout(() => this.response.destroy(), graceMs);
    timer.unref();
    this.response.on('close', () => clearTimeout(timer));
    this.ended();
  }

  onClosed(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  private ended(): void {
    if (this.closed) return;
    this.closed = true;
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}
