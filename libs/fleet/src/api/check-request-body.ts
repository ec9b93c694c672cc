import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { FieldProblem } from '../validation';
import { JsonSchema } from './json-schema';

/** One compiler for every schema; `allErrors` so that a 400 lists every bad field at once. */
const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
const compiled = new WeakMap<JsonSchema, ValidateFunction>();

function validatorFor(schema: JsonSchema): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema as object);
    compiled.set(schema, validate);
  }
  return validate;
}

/** `/payload/search_area/2/lat` → `payload.search_area[2].lat`, the API's field paths. */
function fieldPath(pointer: string, child?: string): string {
  const parts = pointer === '' ? [] : pointer.slice(1).split('/');
  if (child !== undefined) parts.push(child);
  let path = '';
  for (const raw of parts) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(part)) path += `[${part}]`;
    else path += path === '' ? part : `.${part}`;
  }
  return path === '' ? 'body' : path;
}

/** Ajv's error in the words the API uses elsewhere. */
function toProblem(error: ErrorObject): FieldProblem {
  const field = fieldPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return {
        field: fieldPath(error.instancePath, String(params.missingProperty)),
        reason: 'is required',
      };
    case 'additionalProperties':
      return {
        field: fieldPath(error.instancePath, String(params.additionalProperty)),
        reason: 'is not a known field',
      };
    case 'enum':
      return {
        field,
        reason: `must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}`,
      };
    case 'type':
      return { field, reason: `must be ${article(String(params.type))}` };
    case 'minimum':
      return { field, reason: `must be at least ${String(params.limit)}` };
    case 'maximum':
      return { field, reason: `must be at most ${String(params.limit)}` };
    case 'minLength':
      return params.limit === 1
        ? { field, reason: 'must not be empty' }
        : { field, reason: `must be at least ${String(params.limit)} characters` };
    case 'maxLength':
      return { field, reason: `must be at most ${String(params.limit)} characters` };
    case 'minItems':
      return { field, reason: `must have at least ${String(params.limit)} items` };
    case 'maxItems':
      return { field, reason: `must have at most ${String(params.limit)} items` };
    case 'uniqueItems':
      return {
        field,
        reason: `must not repeat items (items ${String(params.j)} and ${String(params.i)} are equal)`,
      };
    case 'pattern':
      return { field, reason: `must match ${String(params.pattern)}` };
    case 'oneOf':
      return { field, reason: 'must be a number, a boolean or a string of at most 200 characters' };
    default:
      return { field, reason: error.message ?? 'is invalid' };
  }
}

function article(type: string): string {
  const names: Record<string, string> = {
    object: 'an object',
    array: 'an array',
    string: 'a string',
    number: 'a number',
    integer: 'an integer',
    boolean: 'a boolean',
  };
  return type
    .split(',')
    .map((name) => names[name] ?? name)
    .join(' or ');
}

/**
 * Checks a request body against its schema: the problems, one per bad field (the same field is
 * named once even when several rules fail for it), or none. An `oneOf` failure reported under the
 * branches it tried is folded into one problem for the field.
 */
export function checkRequestBody(schema: JsonSchema, body: unknown): FieldProblem[] {
  const validate = validatorFor(schema);
  if (validate(body)) return [];
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  const oneOfPaths = new Set(
    (validate.errors ?? []).filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath),
  );
  for (const error of validate.errors ?? []) {
    if (error.keyword !== 'oneOf' && oneOfPaths.has(error.instancePath)) continue;
    const problem = toProblem(error);
    if (seen.has(problem.field)) continue;
    seen.add(problem.field);
    problems.push(problem);
  }
  return problems;
}
