/**
 * Consul reads durations the way Go's `time.ParseDuration` does ("5s", "1m30s", "500ms", "1.5h"),
 * and shows them the way Go's `time.Duration.String()` does ("5s", "1m0s", "500ms"). Both live here
 * so that the agent's answers show intervals exactly as a real agent would.
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** A duration Consul would refuse; the message is Go's, as Consul echoes it in its 400 answers. */
export class InvalidDurationError extends Error {
  constructor(readonly input: string) {
    super(`time: invalid duration "${input}"`);
  }
}

/**
 * Milliseconds of a Consul duration. Strings follow Go's syntax; a JSON number is taken as
 * nanoseconds, as Go decodes a bare number into a `time.Duration`.
 */
export function parseConsulDuration(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidDurationError(String(value));
    return value / 1e6;
  }
  let text = value;
  let sign = 1;
  if (text.startsWith('-') || text.startsWith('+')) {
    sign = text.startsWith('-') ? -1 : 1;
    text = text.slice(1);
  }
  if (text === '0') return 0;
  if (text === '') throw new InvalidDurationError(value);
  let total = 0;
  DURATION_PART.lastIndex = 0;
  while (DURATION_PART.lastIndex < text.length) {
    const match = DURATION_PART.exec(text);
    if (!match) throw new InvalidDurationError(value);
    total += Number(match[1]) * UNIT_MS[match[2]];
  }
  return sign * total;
}

/** Go's `time.Duration.String()` of a duration given in milliseconds. */
export function formatGoDuration(milliseconds: number): string {
  if (milliseconds === 0) return '0s';
  const sign = milliseconds < 0 ? '-' : '';
  const ms = Math.abs(milliseconds);
  if (ms < 1000) {
    if (ms >= 1) return `${sign}${trimNumber(ms)}ms`;
    if (ms >= 1e-3) return `${sign}${trimNumber(ms * 1e3)}µs`;
    return `${sign}${trimNumber(ms * 1e6)}ns`;
  }
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  if (hours > 0) return `${sign}${hours}h${minutes}m${trimNumber(seconds)}s`;
  if (minutes > 0) return `${sign}${minutes}m${trimNumber(seconds)}s`;
  return `${sign}${trimNumber(seconds)}s`;
}

function trimNumber(value: number): string {
  // Go prints at most nanosecond precision and no trailing zeros.
  return String(Number(value.toFixed(9)));
}
