import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiQuery, ApiResponse } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { API_ERROR_RESPONSE, JsonSchema } from '@falconmind/fleet';
import { CONSISTENCIES } from '../fleet/read-consistency';

/** The errors every read may answer with. */
export const READ_ERRORS: ReadonlyArray<[number, string]> = [
  [400, 'a bad query parameter, named in details'],
  [503, 'no leader reachable for a linearizable read, or too stale'],
];

/** Our schemas are OpenAPI 3.0 schema objects already; only the readonly typing differs. */
export function openApiSchema(schema: JsonSchema): SchemaObject {
  return schema as unknown as SchemaObject;
}

/** The body schema the handler validates with (`checkBody`), shown in the document. */
export function ApiJsonBody(schema: JsonSchema, required = true): MethodDecorator {
  return ApiBody({ schema: openApiSchema(schema), required });
}

/** A success response and the error responses, all with their schemas. */
export function ApiAnswers(
  status: number,
  description: string,
  schema: JsonSchema,
  errors: ReadonlyArray<[number, string]>,
): MethodDecorator {
  return applyDecorators(
    ApiResponse({ status, description, schema: openApiSchema(schema) }),
    ...errors.map(([code, text]) =>
      ApiResponse({ status: code, description: text, schema: openApiSchema(API_ERROR_RESPONSE) }),
    ),
  );
}

/** `consistency`, `max_staleness_ms`, `min_index` and the X-Raft-* response headers of a read. */
export function ApiReadConsistency(): MethodDecorator {
  return applyDecorators(
    ApiQuery({
      name: 'consistency',
      required: false,
      enum: [...CONSISTENCIES],
      description:
        'linearizable (default): ReadIndex through the leader; lease: the leader lease; stale: this node as it is',
    }),
    ApiQuery({
      name: 'max_staleness_ms',
      required: false,
      type: Number,
      description: 'with stale: 503 if this node heard from a leader longer ago than this',
    }),
    ApiQuery({
      name: 'min_index',
      required: false,
      type: Number,
      description: 'wait until this node has applied this log index (read-your-writes)',
    }),
  );
}

/** `If-Match` and `Idempotency-Key` on a change. */
export function ApiChangeHeaders(): MethodDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'If-Match',
      required: false,
      description: 'the version the record must have; 409 otherwise',
    }),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'the same key again returns the first answer instead of applying twice',
    }),
  );
}
