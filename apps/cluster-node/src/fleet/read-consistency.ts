import { ApiError, FieldProblem } from '../common/api-error';

/** How fresh a read must be (DESIGN.md, "Consistency, as a client sees it"). */
export type Consistency = 'linearizable' | 'lease' | 'stale';

export interface ReadConsistency {
  readonly consistency: Consistency;
  /** With `stale`: refuse the read if this node heard from a leader longer ago than this. */
  readonly maxStalenessMs?: number;
  /** Wait until this node has applied this index first (read-your-writes across nodes). */
  readonly minIndex?: number;
}

export const CONSISTENCIES: readonly Consistency[] = ['linearizable', 'lease', 'stale'];

function nonNegativeInteger(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) return undefined;
  return Number(value);
}

/** Reads `consistency`, `max_staleness_ms` and `min_index` from a query string, naming bad ones. */
export function parseReadConsistency(
  query: Readonly<Record<string, unknown>>,
): ReadConsistency | FieldProblem[] {
  const problems: FieldProblem[] = [];
  const raw = query.consistency ?? 'linearizable';
  const consistency = CONSISTENCIES.find((c) => c === raw);
  if (!consistency) {
    problems.push({ field: 'consistency', reason: `must be one of ${CONSISTENCIES.join(', ')}` });
  }
  let maxStalenessMs: number | undefined;
  if (query.max_staleness_ms !== undefined) {
    maxStalenessMs = nonNegativeInteger(query.max_staleness_ms);
    if (maxStalenessMs === undefined) {
      problems.push({
        field: 'max_staleness_ms',
        reason: 'must be a non-negative integer (milliseconds)',
      });
    } else if (consistency !== 'stale') {
      problems.push({ field: 'max_staleness_ms', reason: 'applies only to consistency=stale' });
    }
  }
  let minIndex: number | undefined;
  if (query.min_index !== undefined) {
    minIndex = nonNegativeInteger(query.min_index);
    if (minIndex === undefined)
      problems.push({ field: 'min_index', reason: 'must be a non-negative integer' });
  }
  if (problems.length > 0 || !consistency) return problems;
  return { consistency, maxStalenessMs, minIndex };
}

/** The read parameters, which list endpoints must not mistake for filters. */
export const READ_PARAMETERS = ['consistency', 'max_staleness_ms', 'min_index'] as const;

type FilterParser<Q> = (
  raw: Readonly<Record<string, unknown>>,
) => { ok: true; query: Q } | { ok: false; problems: FieldProblem[] };

/**
 * A list request's query string: the read parameters, and the filters the rest must be. Every bad
 * parameter is reported at once (400).
 */
export function parseListRequest<Q>(
  query: Readonly<Record<string, unknown>>,
  parseFilters: FilterParser<Q>,
): { consistency: ReadConsistency; filters: Q } {
  const consistency = parseReadConsistency(query);
  const rest = Object.fromEntries(
    Object.entries(query).filter(([key]) => !(READ_PARAMETERS as readonly string[]).includes(key)),
  );
  const filters = parseFilters(rest);
  if (Array.isArray(consistency) || !filters.ok) {
    throw ApiError.badRequest([
      ...(Array.isArray(consistency) ? consistency : []),
      ...(filters.ok ? [] : filters.problems),
    ]);
  }
  return { consistency, filters: filters.query };
}
