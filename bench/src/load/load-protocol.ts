/**
 * What the orchestrator and the load generator process say to each other (over the IPC channel of
 * `child_process.fork`). Plain JSON: numbers, strings and arrays only.
 */

/** Which store a job talks to, and where its members answer. */
export type LoadTarget =
  | { readonly system: 'falconmind'; readonly urls: readonly string[] }
  | { readonly system: 'etcd'; readonly endpoints: readonly string[] };

export type LoadOperation = 'write' | 'read-linearizable' | 'read-stale';

export interface LoadJob {
  readonly target: LoadTarget;
  readonly operation: LoadOperation;
  /** Concurrent closed-loop clients: each sends its next request when the previous one answered. */
  readonly clients: number;
  /** Stop after this long (ms)... */
  readonly durationMs?: number;
  /** ...or after this many successful operations, whichever comes first. */
  readonly totalOps?: number;
  /** Writes use keys `<keyPrefix>-<n>`; unique per job so that every write creates a record. */
  readonly keyPrefix: string;
  /** Reads pick their keys from these (round robin per client). */
  readonly readKeys?: readonly string[];
  /**
   * The member each client starts with: writes go to the leader of both systems; reads are spread
   * over every member (client i starts at member i mod n).
   */
  readonly firstEndpoint: number | 'spread';
  /** A request that has not answered after this long counts as failed. */
  readonly attemptTimeoutMs: number;
  /**
   * Failover mode: a failed write is retried with the same key on the next member until it
   * succeeds, and every attempt is recorded; without it a failure is counted and the client moves on.
   */
  readonly retryUntilAcknowledged: boolean;
  /** UAV ids the mission documents name (one per document, round robin). */
  readonly uavIds: readonly string[];
}

/** One request as sent: when it started and ended (epoch ms) and whether it succeeded. */
export type AttemptRecord = readonly [startMs: number, endMs: number, ok: 0 | 1];

export interface LoadResult {
  readonly succeeded: number;
  readonly failed: number;
  readonly elapsedMs: number;
  /** Per successful operation, retries included (so a stall shows as one long latency). */
  readonly latenciesMs: readonly number[];
  /** Only in failover mode: every attempt. */
  readonly attempts: readonly AttemptRecord[];
  /** Keys whose write was acknowledged (writes only). */
  readonly acknowledgedKeys: readonly string[];
  /** A few distinct error messages, to say why requests failed. */
  readonly errorSamples: readonly string[];
}

export type ToGenerator =
  | { readonly kind: 'run'; readonly job: LoadJob }
  | { readonly kind: 'stop' }
  | { readonly kind: 'exit' };

export type FromGenerator =
  | { readonly kind: 'ready' }
  | { readonly kind: 'result'; readonly result: LoadResult }
  | { readonly kind: 'failed'; readonly message: string };
