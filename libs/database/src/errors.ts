/**
 * Thrown when the PostgreSQL server cannot be connected to: it is down, unreachable, or refuses the
 * connection (authentication, TLS). The message names where the address came from and what to do.
 */
export class DatabaseUnreachableError extends Error {
  constructor(
    /** `host:port` of the server. */
    readonly address: string,
    /** Where the address came from, e.g. `DATABASE_URL`. */
    readonly source: string,
    /** Why the connection failed, as the driver put it. */
    readonly reason: string,
    hint: string,
    options?: ErrorOptions,
  ) {
    super(`cannot reach PostgreSQL at ${address} (${source}): ${reason}; ${hint}`, options);
    this.name = 'DatabaseUnreachableError';
  }
}

/** The message of an error, also for the AggregateError a connection to `localhost` fails with. */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return [...new Set(error.errors.map(describeError))].join('; ');
  }
  if (error instanceof Error) {
    if (error.message) return error.message;
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? code : error.name;
  }
  return String(error);
}

/** The SQLSTATE (or system error code) an error from `pg` carries, if any. */
export function errorCode(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}
