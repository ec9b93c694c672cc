import type { JsonValue } from '../model';

export const UAV_COMMAND_ACTIONS = ['dispatch', 'pause', 'resume', 'cancel'] as const;
export type UavCommandAction = (typeof UAV_COMMAND_ACTIONS)[number];

/** PENDING until acknowledged (ACKED) or given up on (FLAGGED; a late acknowledgement still counts). */
export const UAV_COMMAND_STATES = ['PENDING', 'ACKED', 'FLAGGED'] as const;
export type UavCommandState = (typeof UAV_COMMAND_STATES)[number];

/** One command to one UAV, as the outbox keeps it (the leader adds its term when it sends it). */
export interface UavCommandRow {
  readonly command_id: string;
  readonly uav_id: string;
  readonly seq: number;
  readonly action: UavCommandAction;
  readonly mission_id: string;
  /** The mission's details, for a dispatch: name, mission_type, uav_list, payload, priority. */
  readonly mission: { readonly [key: string]: JsonValue } | null;
  readonly issued_at: string;
  readonly log_index: number;
  readonly state: UavCommandState;
  readonly ack_status: 'executed' | 'duplicate' | null;
  readonly acked_at: string | null;
  readonly flagged_at: string | null;
  readonly tries: number | null;
}

/** A `uav_commands` row as node-postgres returns it. */
export interface UavCommandRecord {
  command_id: string;
  uav_id: string;
  seq: number;
  action: UavCommandAction;
  mission_id: string;
  mission: { [key: string]: JsonValue } | null;
  issued_at: Date | string;
  log_index: string | number;
  state: UavCommandState;
  ack_status: 'executed' | 'duplicate' | null;
  acked_at: Date | string | null;
  flagged_at: Date | string | null;
  tries: number | null;
}

export const UAV_COMMAND_COLUMNS =
  'command_id, uav_id, seq, action, mission_id, mission, issued_at, log_index, state, ack_status, acked_at, flagged_at, tries';

function isoOrNull(value: Date | string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}

export function toUavCommandRow(record: UavCommandRecord): UavCommandRow {
  return {
    command_id: record.command_id,
    uav_id: record.uav_id,
    seq: Number(record.seq),
    action: record.action,
    mission_id: record.mission_id,
    mission: record.mission,
    issued_at: new Date(record.issued_at).toISOString(),
    log_index: Number(record.log_index),
    state: record.state,
    ack_status: record.ack_status,
    acked_at: isoOrNull(record.acked_at),
    flagged_at: isoOrNull(record.flagged_at),
    tries: record.tries === null ? null : Number(record.tries),
  };
}
