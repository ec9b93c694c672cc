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

/**
 * The body checked against the schema the OpenAPI document shows for it: 400 naming every bad
 * field, before anything is proposed. An absent body counts as `{}`.
 */
export function checkedBody(schema: JsonSchema, body: unknown): Record<string, unknown> {
  const fields = objectBody(body);
  const problems = checkRequestBody(schema, fields);
  if (problems.length > 0) throw ApiError.badRequest(problems);
  return fields;
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
