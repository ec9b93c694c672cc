/**
 * What an HTTP outcome means for the history. The rule is to call an operation `fail` only when it
 * certainly did not take effect; anything that may have been applied is `info`, which the checks
 * treat as "maybe, at any time after its invocation".
 *
 * Writes:
 * - 2xx: `ok`.
 * - 4xx (400 validation, 404 no such mission, 409 wrong state or version): `fail`; the command was
 *   refused and changed nothing.
 * - 503 with the driver's NoLeaderError message: `fail`; nothing was proposed.
 * - any other 5xx (a timeout after proposing, a leader change while in flight, a stopping node):
 *   `info`.
 * - no answer: `fail` only when the connection was refused (the request was never sent);
 *   a timeout or a reset is `info`.
 *
 * Reads change nothing, so a read without a usable answer is simply `fail` (left out of the checks).
 * A 404 is a successful read that found nothing.
 */
import { CompletionType, MissionFunction, OpMeta, OpOutput } from './history-writer';
import { HttpOutcome } from './fleet-http';

/** The start of NoLeaderError's message: the request was refused before anything was proposed. */
export const NOT_PROPOSED_MESSAGE = 'no leader can take the request now';

export interface Classified {
  readonly type: CompletionType;
  readonly output?: OpOutput;
  readonly meta: OpMeta;
}

function record(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
}

/** `{state, version}` of a mission as the API shows it, if the body is one. */
function missionOf(body: unknown): { state: string; version: number } | undefined {
  const { state, version } = record(body);
  return typeof state === 'string' && typeof version === 'number' ? { state, version } : undefined;
}

function metaOf(outcome: HttpOutcome): OpMeta {
  if (outcome.kind === 'no-answer') return { error: `${outcome.reason}: ${outcome.message}` };
  const message = record(outcome.body).message;
  return {
    status: outcome.status,
    ...(outcome.status >= 300 && typeof message === 'string' ? { error: message } : {}),
    ...(outcome.raft.servedBy !== undefined ? { served_by: outcome.raft.servedBy } : {}),
    ...(outcome.raft.term !== undefined ? { term: outcome.raft.term } : {}),
    ...(outcome.raft.appliedIndex !== undefined
      ? { applied_index: outcome.raft.appliedIndex }
      : {}),
    ...(outcome.raft.lastContactMs !== undefined
      ? { last_contact_ms: outcome.raft.lastContactMs }
      : {}),
  };
}

export function classifyOutcome(f: MissionFunction, outcome: HttpOutcome): Classified {
  const meta = metaOf(outcome);
  if (f === 'read') {
    if (outcome.kind === 'answer' && outcome.status === 404) {
      return { type: 'ok', output: { found: false }, meta };
    }
    const mission = outcome.kind === 'answer' && outcome.status === 200 && missionOf(outcome.body);
    if (mission) return { type: 'ok', output: { found: true, ...mission }, meta };
    return { type: 'fail', meta };
  }
  if (outcome.kind === 'no-answer') {
    return { type: outcome.reason === 'refused' ? 'fail' : 'info', meta };
  }
  const { status } = outcome;
  if (status >= 200 && status < 300) {
    const mission = missionOf(outcome.body);
    // A 2xx without a mission in it would be a protocol surprise: it may have applied.
    return mission ? { type: 'ok', output: mission, meta } : { type: 'info', meta };
  }
  if (status >= 400 && status < 500) return { type: 'fail', meta };
  const message = record(outcome.body).message;
  if (status === 503 && typeof message === 'string' && message.startsWith(NOT_PROPOSED_MESSAGE)) {
    return { type: 'fail', meta };
  }
  return { type: 'info', meta };
}
