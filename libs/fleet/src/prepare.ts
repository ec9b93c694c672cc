import { randomUUID } from 'node:crypto';
import {
  CommandTimestamp,
  CreateMissionCommand,
  encodeFleetCommand,
  FleetCommand,
} from './commands';
import { sha256Hex } from './canonical-json';
import { FieldProblem, validateFleetCommand } from './validation';

/**
 * The proposing node's side: what it decides once for every node (ids, the time), then validation
 * before anything is proposed. This is the only place of the library that reads a clock or makes
 * random ids, and only through {@link ProposerContext}.
 */
export interface ProposerContext {
  /** Epoch milliseconds. */
  now(): number;
  /** A fresh mission id. */
  newId(): string;
}

export const SYSTEM_PROPOSER: ProposerContext = {
  now: () => Date.now(),
  newId: () => randomUUID(),
};

type DraftOf<T> = T extends FleetCommand
  ? Omit<T, 'at'> & { readonly at?: CommandTimestamp }
  : never;

/**
 * A command before the proposer stamped it: `at` is optional (the proposer's clock fills it), and
 * so is a new mission's `mission_id` (derived from the idempotency key when one is given, so that a
 * retry lands on the same mission; a random UUID otherwise).
 */
export type FleetCommandDraft =
  | (Omit<CreateMissionCommand, 'at' | 'mission_id'> & {
      readonly at?: CommandTimestamp;
      readonly mission_id?: string;
    })
  | DraftOf<Exclude<FleetCommand, CreateMissionCommand>>;

export type PreparedFleetCommand =
  | { readonly ok: true; readonly command: FleetCommand; readonly payload: Uint8Array }
  | { readonly ok: false; readonly problems: FieldProblem[] };

/**
 * Stamps a draft (time, new mission id) and validates it. On success, `payload` is what goes into
 * the proposal envelope; on failure, `problems` is the API's 400 `details`.
 */
export function prepareFleetCommand(
  draft: FleetCommandDraft,
  context: ProposerContext = SYSTEM_PROPOSER,
): PreparedFleetCommand {
  const stamped: Record<string, unknown> = { ...draft };
  if (stamped.at === undefined) stamped.at = context.now();
  if (
    draft.type === 'CreateMission' &&
    (draft.mission_id === undefined || draft.mission_id === null)
  ) {
    stamped.mission_id =
      typeof draft.idempotency_key === 'string' && draft.idempotency_key !== ''
        ? missionIdForIdempotencyKey(draft.idempotency_key)
        : context.newId();
  }
  for (const key of Object.keys(stamped)) if (stamped[key] === undefined) delete stamped[key];
  const problems = validateFleetCommand(stamped);
  if (problems.length > 0) return { ok: false, problems };
  const command = stamped as unknown as FleetCommand;
  return { ok: true, command, payload: encodeFleetCommand(command) };
}

/** A UUID (RFC 9562 version 8) derived from an idempotency key: the same key, the same mission id. */
export function missionIdForIdempotencyKey(key: string): string {
  const hex = sha256Hex(`falconmind:mission:${key}`).slice(0, 32).split('');
  hex[12] = '8';
  hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
