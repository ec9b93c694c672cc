/**
 * A JSON value with every object's keys in the order PostgreSQL's `jsonb` keeps them (shorter keys
 * first, then by their UTF-8 bytes), built as node-postgres parses what `jsonb` gives back. The
 * applier builds a created mission from its command instead of reading the row back; with this,
 * the mission is the same, key for key, as a later read of it (and as what an earlier version of
 * the applier stored in events).
 */
export function inJsonbKeyOrder<T>(value: T): T {
  return reordered(value) as T;
}

function reordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reordered);
  if (typeof value !== 'object' || value === null) return value;
  const source = value as Record<string, unknown>;
  const ordered: Record<string, unknown> = {};
  const keys = Object.keys(source);
  if (keys.length > 1) keys.sort(jsonbKeyOrder);
  for (const key of keys) {
    const item = reordered(source[key]);
    // A "__proto__" key is an own property in parsed JSON; plain assignment would set the prototype.
    if (key === '__proto__') {
      Object.defineProperty(ordered, key, {
        value: item,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      ordered[key] = item;
    }
  }
  return ordered;
}

/** Printable ASCII: one byte per character (keys with other characters take the general path). */
const PRINTABLE_ASCII = /^[ -~]*$/;

function jsonbKeyOrder(a: string, b: string): number {
  // Such keys are nearly all: a character is a byte, and code-unit order is byte order.
  if (PRINTABLE_ASCII.test(a) && PRINTABLE_ASCII.test(b)) {
    return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
  }
  const lengths = Buffer.byteLength(a) - Buffer.byteLength(b);
  return lengths !== 0 ? lengths : Buffer.compare(Buffer.from(a), Buffer.from(b));
}
