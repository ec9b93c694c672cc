/**
 * Progress lines of a long run: one line each, prefixed with the time since the run started, so a
 * reader of a CI log can tell where the minutes went.
 */
const startedAt = Date.now();

function elapsed(): string {
  const seconds = (Date.now() - startedAt) / 1000;
  return `[${seconds.toFixed(1).padStart(6)} s]`;
}

export function logProgress(message: string): void {
  process.stderr.write(`${elapsed()} ${message}\n`);
}

export function logWarning(message: string): void {
  process.stderr.write(`${elapsed()} WARNING: ${message}\n`);
}
