/** Structured fields attached to a log line. The core always adds `nodeId`, `term` and `role`. */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

/** The host's logger. The core never writes to the console itself. */
export interface RaftLogger {
  debug(message: string, fields: LogFields): void;
  info(message: string, fields: LogFields): void;
  warn(message: string, fields: LogFields): void;
}

/** A logger that drops everything: the default, and what simulations use. */
export const SILENT_LOGGER: RaftLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
};
