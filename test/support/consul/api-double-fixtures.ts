/**
 * Reads HashiCorp's consul-api-double fixtures so that specs can compare our answers with them.
 * Most fixtures are templates (JSON with `${...}` expressions that call faker and a few helpers);
 * they are rendered here with fixed stand-ins for those helpers, which is enough to get real field
 * names and JSON types out of them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runInNewContext } from 'node:vm';

const FIXTURES_ROOT = path.dirname(require.resolve('@hashicorp/consul-api-double/package.json'));

/** Stand-in for faker: numbers where a number is asked for, plain words elsewhere. */
function fakeFaker(): unknown {
  const leaf = (name: string) => (options?: unknown) => {
    if (name === 'number') {
      const max = (options as { max?: number } | undefined)?.max;
      return max ?? 5;
    }
    if (name === 'boolean') return false;
    if (name === 'randomize') return (options as unknown[])[0];
    if (name === 'uuid') return '0b4a6b6c-9b7c-4a8e-8a3f-3f1d6f0e2c11';
    if (name === 'ip' || name === 'ipv6') return '10.0.0.1';
    return 'word';
  };
  return new Proxy(
    {},
    {
      get: () => new Proxy({}, { get: (_inner, name: string) => leaf(name) }),
    },
  );
}

export interface FixtureRequest {
  /** Path of the fixture file below the package, e.g. `v1/health/service/_`. */
  readonly file: string;
  /** The URL path the fixture is rendered for, e.g. `/v1/health/service/web`. */
  readonly pathname: string;
  readonly method?: string;
  readonly search?: Readonly<Record<string, string>>;
}

/** The fixture rendered to JSON. */
export function renderFixture(request: FixtureRequest): unknown {
  const source = readFileSync(path.join(FIXTURES_ROOT, request.file), 'utf8');
  // The fixture is the body of a JavaScript template literal, as the api-double server treats it;
  // it is evaluated in a context of its own that holds only the stand-ins.
  const context = {
    range: (count: number): number[] =>
      Array.from({ length: Number(count) }, (_item, index) => index),
    // Two of everything that is counted, defaults for everything else.
    env: (name: string, fallback: unknown): unknown => (name.endsWith('_COUNT') ? 2 : fallback),
    fake: fakeFaker(),
    location: { pathname: request.pathname, search: request.search ?? {} },
    http: { method: request.method ?? 'GET' },
  };
  const text: unknown = runInNewContext(`\`${source}\``, context, { timeout: 1000 });
  if (typeof text !== 'string') throw new Error(`fixture ${request.file} did not render to text`);
  return JSON.parse(text) as unknown;
}

/** The JSON type of a value as a schema would name it. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * Differences between the types of `actual` and `fixture` for the fields both have, recursively
 * (arrays are compared through their first elements). Empty when they agree.
 */
export function typeMismatches(actual: unknown, fixture: unknown, where = '$'): string[] {
  const actualType = jsonType(actual);
  const fixtureType = jsonType(fixture);
  if (actualType !== fixtureType)
    return [`${where}: ${actualType} where the fixture has ${fixtureType}`];
  if (actualType === 'array') {
    const [first] = actual as unknown[];
    const [fixtureFirst] = fixture as unknown[];
    return first === undefined || fixtureFirst === undefined
      ? []
      : typeMismatches(first, fixtureFirst, `${where}[0]`);
  }
  if (actualType !== 'object') return [];
  const actualObject = actual as Record<string, unknown>;
  const fixtureObject = fixture as Record<string, unknown>;
  return Object.keys(actualObject)
    .filter((key) => key in fixtureObject)
    .flatMap((key) => typeMismatches(actualObject[key], fixtureObject[key], `${where}.${key}`));
}
