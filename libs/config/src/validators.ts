import { isIP } from 'node:net';

/** Records one problem; the loaders collect them all before failing. */
export type ReportProblem = (variable: string, value: unknown, expected: string) => void;

const ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
export const ID_EXPECTED = '1 to 64 characters from [A-Za-z0-9._-]';

export const PORT_EXPECTED = 'an integer port in 1..65535';

export const HOST_EXPECTED = 'an IPv4 or IPv6 address (without brackets) or a hostname';

/** A node or cluster id: 1 to 64 characters of `[A-Za-z0-9._-]`. */
export function isId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

export function isPort(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535;
}

const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/**
 * An IP literal or a hostname. Hostname labels may hold underscores (container names often do); a
 * name whose last label is all digits is taken for a mistyped IPv4 address and refused.
 */
export function isHost(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  if (isIP(value) !== 0) return true;
  if (value.length > 253) return false;
  const labels = value.split('.');
  return labels.every((label) => LABEL.test(label)) && !/^\d+$/.test(labels[labels.length - 1]);
}

/** `0.0.0.0`, `::` or another spelling of the IPv6 unspecified address. */
export function isWildcard(address: string): boolean {
  if (address === '0.0.0.0') return true;
  return isIP(address) === 6 && address.split(':').every((group) => /^0*$/.test(group));
}

/** Parses a decimal integer written with digits only (no sign, exponent or fraction). */
export function parseDigits(text: string): number | undefined {
  return /^\d{1,15}$/.test(text) ? Number(text) : undefined;
}
