import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every level: the same value always gives the same text. Request
 * hashes (a mission's create_hash, an idempotency key's command hash) are made of it on every node,
 * so its text must never change: `canonicalJsonByParts` below is its definition, and this is the
 * same text made faster. Commands are hashed on every node for every create, and the definition
 * made a string per number of a search area's polygon; here `JSON.stringify` writes arrays and
 * numbers itself, and only objects are copied, with their keys in order.
 */
export function canonicalJson(value: unknown): string {
  try {
    return JSON.stringify(value, sortKeys) ?? 'null';
  } catch (error) {
    if (error === INDEX_KEY) return canonicalJsonByParts(value);
    throw error;
  }
}

/** The definition: each level's parts, sorted keys first, joined. */
export function canonicalJsonByParts(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJsonByParts(item)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJsonByParts(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Thrown from the replacer when an object has a key that JavaScript keeps in its own order. */
const INDEX_KEY = new Error('an object key is an array index');
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;
const INSERTION_SORT_MAX_KEYS = 32;

/**
 * The replacer: an object becomes a copy with its keys in code-unit order. A copy keeps the order
 * keys are added in, except for keys that are array indexes ("0", "17"), which JavaScript always
 * lists first, in numeric order: for those the definition's text is made instead. Values the
 * definition writes as `null` where `JSON.stringify` leaves them out (functions, symbols) do not
 * occur in commands, which are parsed JSON.
 */
function sortKeys(this: unknown, _key: string, item: unknown): unknown {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return item;
  const source = item as Record<string, unknown>;
  const keys = sortedKeys(source);
  // No prototype: a "__proto__" key is then a key like any other, as in the parsed command.
  const sorted = Object.create(null) as Record<string, unknown>;
  for (const key of keys) {
    if (ARRAY_INDEX.test(key)) throw INDEX_KEY;
    if (source[key] !== undefined) sorted[key] = source[key];
  }
  return sorted;
}

/**
 * An object's keys in code-unit order (what `sort()` gives), by insertion: objects in commands have
 * a handful of keys, and `Array.prototype.sort` allocated working space at each call, which made it
 * the largest allocator of a busy leader after the HTTP stack.
 */
function sortedKeys(object: Record<string, unknown>): string[] {
  const keys = Object.keys(object);
  // A client may send an object of thousands of keys: insertion is quadratic.
  if (keys.length > INSERTION_SORT_MAX_KEYS) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i];
    let j = i - 1;
    while (j >= 0 && keys[j] > key) {
      keys[j + 1] = keys[j];
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
