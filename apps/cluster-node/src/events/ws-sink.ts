import { WebSocket } from 'ws';
import type { EncodedEvent, EncodedTelemetry, EventSink } from './event-sink';
import { EVENT_STREAM_LIMITS, StreamCloseReason, WS_CLOSE_CODES } from './event-stream-limits';

/** How often a replay checks whether a WebSocket's buffer drained (ws has no drain event). */
const DRAIN_POLL_MS = 5;

/** A WebSocket client: one JSON text message per event or telemetry sample. */
export class WsSink implements EventSink {
  private closed = false;
  private readonly closeListeners: Array<() => void> = [];

  constructor(private readonly socket: WebSocket) {
    socket.on('close', () => this.ended());
    socket.on('error', () => this.ended());
  }

  sendEvent(event: EncodedEvent): void {
    this.send(event.json);
  }

  sendTelemetry(sample: EncodedTelemetry): void {
    this.send(sample.json);
  }

  heartbeat(): void {
    if (this.isOpen()) this.socket.ping();
  }

  bufferedBytes(): number {
    return this.socket.bufferedAmount;
  }

  async drained(): Promise<void> {
    while (this.isOpen() && this.socket.bufferedAmount > 0) {
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
  }

  close(reason: StreamCloseReason, message: string, lastEventId: string | undefined): void {
    if (this.isOpen()) {
      this.socket.send(
        JSON.stringify({ type: 'error', reason, message, last_event_id: lastEventId ?? null }),
      );
      this.socket.close(WS_CLOSE_CODES[reason], reason);
      // ws would wait 30 s for the peer's close frame; a stopping node gives it the same second as
      // an SSE stream (the HTTP server waits for its connections before it closes).
      const graceMs =
        reason === 'shutting_down'
          ? EVENT_STREAM_LIMITS.shutdownGraceMs
          : EVENT_STREAM_LIMITS.closeGraceMs;
      const timer = setTimeout(() => this.socket.terminate(), graceMs);
      timer.unref();
      this.socket.once('close', () => clearTimeout(timer));
    }
    this.ended();
  }

  onClosed(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  private isOpen(): boolean {
    return !this.closed && this.socket.readyState === WebSocket.OPEN;
  }

  private send(text: string): void {
    if (this.isOpen()) this.socket.send(text);
  }

  private ended(): void {
    if (this.closed) return;
    this.closed = true;
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}
