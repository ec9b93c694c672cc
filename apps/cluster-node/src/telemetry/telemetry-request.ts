import type { SampleProblem } from '@falconmind/telemetry';
import { parseTimestampNs } from '@falconmind/telemetry';
import { ApiError, FieldProblem } from '../common/api-error';

/** Samples one request may carry at most (within the route's 4 MiB body limit, see telemetry-body-limit). */
export const MAX_SAMPLES_PER_REQUEST = 5_000;

/** The samples of an ingress body, and how to name a field of the n-th in an error. */
export interface IngressBody {
  readonly samples: readonly unknown[];
  readonly fieldOf: (problem: SampleProblem) => string;
}

/**
 * Reads `POST /ingress/telemetry`'s body: one sample (an object), a batch (an array), or
 * `{"samples": [...]}`. Throws a 400 for a body that is none of these.
 */
export function parseIngressBody(body: unknown): IngressBody {
  if (Array.isArray(body)) return batch(body, '');
  if (typeof body === 'object' && body !== null && 'samples' in body) {
    const { samples, ...rest } = body as { samples: unknown } & Record<string, unknown>;
    const extra = Object.keys(rest)[0];
    if (extra !== undefined) {
      throw ApiError.badRequest([{ field: extra, reason: 'is not a field of a telemetry batch' }]);
    }
    if (!Array.isArray(samples)) {
      throw ApiError.badRequest([{ field: 'samples', reason: 'must be an array of samples' }]);
    }
    return batch(samples, 'samples');
  }
  if (typeof body === 'object' && body !== null) {
    return { samples: [body], fieldOf: (p) => p.field || 'body' };
  }
  throw ApiError.badRequest([
    {
      field: 'body',
      reason: 'must be a telemetry sample, an array of them, or {"samples": [...]}',
    },
  ]);
}

function batch(samples: readonly unknown[], name: string): IngressBody {
  const field = name || 'body';
  if (samples.length === 0) {
    throw ApiError.badRequest([{ field, reason: 'must hold at least one sample' }]);
  }
  if (samples.length > MAX_SAMPLES_PER_REQUEST) {
    throw ApiError.badRequest([
      { field, reason: `must hold at most ${MAX_SAMPLES_PER_REQUEST} samples` },
    ]);
  }
  return {
    samples,
    fieldOf: (p) => `${name}[${p.index}]${p.field ? `.${p.field}` : ''}`,
  };
}

/** The problems of a batch in which no sample was good, as a 400's details. */
export function allRefused(body: IngressBody, rejected: readonly SampleProblem[]): FieldProblem[] {
  return rejected.map((problem) => ({ field: body.fieldOf(problem), reason: problem.reason }));
}

/** `?since=`: a timestamp_ns, as a decimal string. Throws a 400 naming `since` otherwise. */
export function parseSince(value: unknown): bigint | undefined {
  if (value === undefined) return undefined;
  const parsed = parseTimestampNs(value);
  if (parsed === undefined) {
    throw ApiError.badRequest([
      { field: 'since', reason: 'must be a timestamp_ns: nanoseconds since the epoch, in decimal' },
    ]);
  }
  return parsed;
}
