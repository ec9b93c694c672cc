/**
 * Every duration discovery uses. Defaults follow the design (etcd lease 10 s; Consul HTTP check
 * every 5 s with a 2 s timeout, deregistered after 1 min critical); tests shorten them.
 */
export interface DiscoveryTimings {
  /**
   * etcd: TTL of the lease the registration lives under, in whole seconds (etcd's unit, >= 1). A
   * node that stops keeping it alive disappears after at most this long. Default 10.
   */
  readonly etcdLeaseTtlSeconds: number;
  /** Consul: interval of the HTTP check on `/health/ready`. Default 5 s. */
  readonly consulCheckIntervalMs: number;
  /** Consul: timeout of one HTTP check. Default 2 s. */
  readonly consulCheckTimeoutMs: number;
  /** Consul: a service critical this long is deregistered by the agent. Default 1 min. */
  readonly consulDeregisterCriticalAfterMs: number;
  /** Consul: TTL of the check passed by `heartbeat()`; critical when the Raft loop stalls this long. Default 15 s. */
  readonly consulTtlCheckMs: number;
  /**
   * Consul: at most one TTL pass per this interval, however often `heartbeat()` is called. Must be
   * well below `consulTtlCheckMs`. Default 5 s (a third of the TTL).
   */
  readonly consulTtlPassIntervalMs: number;
  /**
   * Consul: how often the agent is asked whether it still has our service. An agent that restarts
   * without its state forgets it, and nothing else would tell us. Default 10 s.
   */
  readonly consulResyncIntervalMs: number;
  /** Consul: `wait` of one blocking query (the server answers sooner on a change). Default 30 s. */
  readonly consulBlockingWaitMs: number;
  /** Deadline of one ordinary request to the store. Default 5 s. */
  readonly requestTimeoutMs: number;
  /** First delay before a failed registration, refresh or query is retried. Default 250 ms. */
  readonly retryMinMs: number;
  /** The retry delay doubles up to this. Default 10 s. */
  readonly retryMaxMs: number;
  /** How long `start()` waits for the first registration before resolving degraded. Default 10 s. */
  readonly startTimeoutMs: number;
}

export const DEFAULT_DISCOVERY_TIMINGS: DiscoveryTimings = Object.freeze({
  etcdLeaseTtlSeconds: 10,
  consulCheckIntervalMs: 5_000,
  consulCheckTimeoutMs: 2_000,
  consulDeregisterCriticalAfterMs: 60_000,
  consulTtlCheckMs: 15_000,
  consulTtlPassIntervalMs: 5_000,
  consulResyncIntervalMs: 10_000,
  consulBlockingWaitMs: 30_000,
  requestTimeoutMs: 5_000,
  retryMinMs: 250,
  retryMaxMs: 10_000,
  startTimeoutMs: 10_000,
});

/** Fills defaults and rejects nonsense (a programming error, hence a throw). */
export function resolveDiscoveryTimings(
  overrides: Partial<DiscoveryTimings> = {},
): DiscoveryTimings {
  const timings: DiscoveryTimings = { ...DEFAULT_DISCOVERY_TIMINGS, ...overrides };
  for (const [name, value] of Object.entries(timings)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new RangeError(`discovery timing ${name} must be a positive number, got ${value}`);
    }
  }
  if (!Number.isInteger(timings.etcdLeaseTtlSeconds)) {
    throw new RangeError('discovery timing etcdLeaseTtlSeconds must be whole seconds');
  }
  if (timings.retryMinMs > timings.retryMaxMs) {
    throw new RangeError('discovery timing retryMinMs must not exceed retryMaxMs');
  }
  if (timings.consulTtlPassIntervalMs >= timings.consulTtlCheckMs) {
    throw new RangeError('discovery timing consulTtlPassIntervalMs must be below consulTtlCheckMs');
  }
  return Object.freeze(timings);
}
