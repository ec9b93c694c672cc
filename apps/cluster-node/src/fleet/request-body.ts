import { checkRequestBody, JsonSchema } from '@falconmind/fleet';
import { ApiError, FieldProblem } from '../common/api-error';

/** Fields the cluster sets itself; a client that sends them gets a 400 rather than being ignored. */
const RESERVED = ['type', 'at'] as const;

/** The JSON object body of a request, refusing anything else and the reserved fields. */
export function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null || body === '') return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw ApiError.badRequest([{ field: 'body', reason: 'must be a JSON object' }]);
  }
  const record = body as Record<string, unknown>;
  const problems: FieldProblem[] = RESERVED.filter((field) => field in record).map((field) => ({
    field,
    reason: 'is set by the cluster, not by the client',
  }));
  if (problems.length > 0) throw ApiError.badRequest(problems);
  return record;
}

/** A request body and what its schema found wrong with it. */
export interface CheckedBody {
  readonly fields: Record<string, unknown>;
  readonly problems: readonly FieldProblem[];
}

/**
 * The body checked against the schema the OpenAPI document shows for it. The problems are not
 * thrown here: the command validator adds its own (a polygon that encloses nothing, a pattern's
 * missing area), so that one 400 names every bad field (see `mergeProblems`). An absent body
 * counts as `{}`.
 */
export function checkBody(schema: JsonSchema, body: unknown): CheckedBody {
  const fields = objectBody(body);
  return { fields, problems: checkRequestBody(schema, fields) };
}

/**
 * The schema's problems, then the validator's for fields the schema did not name (nor a field
 * enclosing them, nor one inside them): each bad field once, with the first reason found.
 */
export function mergeProblems(
  first: readonly FieldProblem[],
  second: readonly FieldProblem[],
): FieldProblem[] {
  const within = (inner: string, outer: string) =>
    inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
  const merged = [...first];
  for (const problem of second) {
    if (!merged.some((p) => within(p.field, problem.field) || within(problem.field, p.field))) {
      merged.push(problem);
    }
  }
  return merged;
}

/** `If-Match: <version>` (quotes allowed) as the expected version of the record; undefined if absent. */
export function expectedVersion(
  ifMatch: string | undefined,
  body: Record<string, unknown>,
): number | undefined {
  if (ifMatch === undefined)
    return typeof body.expected_version === 'number' ? body.expected_version : undefined;
  const value = ifMatch
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
  if (!/^\d{1,15}$/.test(value)) {
    throw ApiError.badRequest([
      { field: 'If-Match', reason: 'must be the version number of the record' },
    ]);
  }
  return Number(value);
}
