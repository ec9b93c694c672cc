/**
 * The structured logger discovery writes to; the node passes its own. `fields` carry the details
 * (node id, endpoint, error) so that the message itself stays constant and searchable.
 */
export interface DiscoveryLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A short description of anything thrown, for log fields and health details. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
