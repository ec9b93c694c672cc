/** Errors the driver gives the requests waiting on it. Each says whether a retry is safe. */

/** No leader could take the request; nothing was proposed. Retry after a short wait. */
export class NoLeaderError extends Error {
  readonly retryable = true;
  constructor(
    /** The leader this node knows of, or '' when none. */
    readonly leader: string,
    reason: string,
  ) {
    super(`no leader can take the request now (${reason}); retry shortly`);
    this.name = 'NoLeaderError';
  }
}

/**
 * The request may or may not take effect (a timeout, a leader change while it was in flight). Retry
 * with the same idempotency key (or a create with the same id): the fleet applies such a request once.
 */
export class OutcomeUnknownError extends Error {
  readonly retryable = true;
  constructor(reason: string) {
    super(reason);
    this.name = 'OutcomeUnknownError';
  }
}

/** The node is stopping; the request did not complete here. */
export class DriverStoppedError extends Error {
  readonly retryable = true;
  constructor() {
    super('this node is stopping; send the request to another node');
    this.name = 'DriverStoppedError';
  }
}
