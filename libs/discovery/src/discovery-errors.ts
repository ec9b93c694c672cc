/** Returned when an operation needs a discovery store and the discovery kind has none (static). */
export class DiscoveryUnsupportedError extends Error {
  constructor(operation: string, kind: string) {
    super(`${operation} needs a discovery store: DISCOVERY=${kind} has none (use etcd or consul)`);
    this.name = 'DiscoveryUnsupportedError';
  }
}

/** Returned when a method that needs the cluster id is called before `start()`, or after `stop()`. */
export class DiscoveryNotRunningError extends Error {
  constructor(operation: string, why: 'not started' | 'stopped') {
    super(`${operation}: discovery is ${why}`);
    this.name = 'DiscoveryNotRunningError';
  }
}

/** Returned when the stored cluster record is not one this software wrote. */
export class CorruptClusterRecordError extends Error {
  constructor(where: string, reason: string) {
    super(`the cluster record at ${where} is not valid: ${reason}`);
    this.name = 'CorruptClusterRecordError';
  }
}
