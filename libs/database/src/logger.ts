/** Structured fields attached to a log line (the shape of the Raft core's `LogFields`). */
export type DatabaseLogFields = Readonly<Record<string, string | number | boolean | undefined>>;

/**
 * Where opening the database reports its long steps and what it repairs. A `RaftLogger` fits, and
 * so does Nest's `Logger` wrapped in two arrow functions.
 */
export interface DatabaseLogger {
  info(message: string, fields: DatabaseLogFields): void;
  warn(message: string, fields: DatabaseLogFields): void;
}
