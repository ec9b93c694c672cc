import type { ApplyOutcome } from '@falconmind/consensus';

/**
 * How a refused command tells the API which status to answer with.
 *
 * The consensus layer's `ApplyOutcome` carries a rejection as one `reason` string, so the machine
 * code travels in it as a prefix: `"<code>: <sentence>"`, e.g.
 * `"not_found: mission m-1 does not exist"`. The outcome object also carries `code` and `message`
 * as separate fields ({@link FleetRejected}); {@link parseFleetRejection} reads either form.
 *
 * | code               | HTTP | when                                                              |
 * | ------------------ | ---- | ----------------------------------------------------------------- |
 * | `invalid`          | 400  | the command fails validation (or is not a fleet command at all)   |
 * | `not_found`        | 404  | the mission or UAV the command acts on does not exist             |
 * | `conflict`         | 409  | wrong state transition, busy/offline UAVs, id or key already used |
 * | `version_mismatch` | 409  | `expected_version` differs from the current version               |
 */
export const FLEET_REJECTION_CODES = [
  'invalid',
  'not_found',
  'conflict',
  'version_mismatch',
] as const;
export type FleetRejectionCode = (typeof FLEET_REJECTION_CODES)[number];

export interface FleetRejected {
  readonly status: 'rejected';
  /** `"<code>: <message>"`. */
  readonly reason: string;
  readonly code: FleetRejectionCode;
  /** A sentence naming what was refused and why. */
  readonly message: string;
}

export interface FleetApplied<T = unknown> {
  readonly status: 'applied';
  readonly result: T;
  /** True when the outcome is the stored answer to an earlier request (idempotent repeat). */
  readonly replayed?: boolean;
}

export type FleetApplyOutcome<T = unknown> = FleetApplied<T> | FleetRejected;

export function rejected(code: FleetRejectionCode, message: string): FleetRejected {
  return { status: 'rejected', reason: `${code}: ${message}`, code, message };
}

/** A CreateMission naming an existing mission with another body. */
export function createdDifferently(missionId: string): FleetRejected {
  return rejected(
    'conflict',
    `mission ${missionId} already exists and was created with a different body.`,
  );
}

export function applied<T>(result: T): FleetApplied<T> {
  return { status: 'applied', result };
}

/** The code and sentence of a rejected outcome (from its fields or its reason's prefix). */
export function parseFleetRejection(
  outcome: ApplyOutcome,
): { code: FleetRejectionCode; message: string } | undefined {
  if (outcome.status !== 'rejected') return undefined;
  const { code, message } = outcome as Partial<FleetRejected>;
  if (code && FLEET_REJECTION_CODES.includes(code) && typeof message === 'string') {
    return { code, message };
  }
  const match = /^([a-z_]+): (.*)$/s.exec(outcome.reason);
  if (match && FLEET_REJECTION_CODES.includes(match[1] as FleetRejectionCode)) {
    return { code: match[1] as FleetRejectionCode, message: match[2] };
  }
  return { code: 'conflict', message: outcome.reason };
}

/** The HTTP status the API answers a rejection with. */
export function httpStatusOfRejection(code: FleetRejectionCode): 400 | 404 | 409 {
  switch (code) {
    case 'invalid':
      return 400;
    case 'not_found':
      return 404;
    case 'conflict':
    case 'version_mismatch':
      return 409;
  }
}
