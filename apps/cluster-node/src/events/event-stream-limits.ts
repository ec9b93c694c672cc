/**
 * The limits of the live event streams (docs/events.md). A subscriber's memory on this node is
 * bounded by them whatever it does: a client that stops reading is cut off, never buffered for.
 */
export const EVENT_STREAM_LIMITS = {
  /** Bytes written to a subscriber's connection and not yet taken by the network (per subscriber). */
  maxBufferedBytes: 1024 * 1024,
  /** Live events held for a subscriber while its replay is still being written. */
  maxPendingEvents: 10_000,
  /** Events read from the database per replay query. */
  replayPageSize: 500,
  /** A replay waits for the connection to drain once this much is buffered. */
  replayHighWaterBytes: 64 * 1024,
  /** SSE comment / WebSocket ping period, so proxies and clients see a live connection. */
  heartbeatIntervalMs: 15_000,
  /** A cut-off subscriber's connection is destroyed if it has not taken its last bytes by then. */
  closeGraceMs: 30_000,
  /** The same when the node is stopping. */
  shutdownGraceMs: 1_000,
  /** How long the feed waits for the next applied entry before asking again. */
  appliedWaitMs: 30_000,
} as const;

/** Why the node closed a stream (the `reason` of the last SSE `error` event or WebSocket close). */
export type StreamCloseReason = 'slow_consumer' | 'shutting_down' | 'replay_failed';

/** WebSocket close codes of the application range (4000-4999). */
export const WS_CLOSE_CODES: Record<StreamCloseReason, number> = {
  slow_consumer: 4008,
  shutting_down: 1001,
  replay_failed: 1011,
};
