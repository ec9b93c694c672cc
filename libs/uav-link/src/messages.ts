/**
 * The messages of the UAV link, as JSON on the wire (snake_case, like the rest of the API). Every
 * message a UAV sends is checked by the parsers in `parse-messages.ts` before anything trusts it.
 */

export const COMMAND_ACTIONS = ['dispatch', 'pause', 'resume', 'cancel'] as const;
export type CommandAction = (typeof COMMAND_ACTIONS)[number];

/** `mission` commands go on `uav/{id}/missions` (a dispatch, with details); the others on `commands`. */
export const COMMAND_KINDS = ['mission', 'command'] as const;
export type CommandKind = (typeof COMMAND_KINDS)[number];

/** The kind (and so the topic) of each action. */
export function kindOfAction(action: CommandAction): CommandKind {
  return action === 'dispatch' ? 'mission' : 'command';
}

/** What a UAV needs to fly a dispatched mission: the mission as the fleet stores it. */
export interface MissionDetails {
  readonly name: string;
  readonly mission_type: string;
  readonly uav_list: readonly string[];
  /** `search_area`, `waypoints`, `search_params` (see the fleet's mission payload). */
  readonly payload: { readonly [key: string]: unknown };
  readonly priority: number;
}

/**
 * A command to one UAV. `command_id` and `seq` come from the replicated outbox (the same on every
 * node); `term` is the Raft term of the leader that published it, stamped at each send, so that a
 * UAV can ignore a deposed leader (see {@link CommandFence}).
 */
export interface UavCommand {
  readonly command_id: string;
  readonly uav_id: string;
  /** Per UAV, from 1, one more for each command; a UAV executes each seq once, in order. */
  readonly seq: number;
  /** The publishing leader's term. */
  readonly term: number;
  readonly kind: CommandKind;
  readonly action: CommandAction;
  readonly mission_id: string;
  /** Only (and always) for `dispatch`. */
  readonly mission?: MissionDetails;
  /** When the cluster decided the command (the log entry's time), ISO 8601. */
  readonly issued_at: string;
}

/** `executed`: done now; `duplicate`: a repeat of a command already done (acknowledged again). */
export const ACK_STATUSES = ['executed', 'duplicate'] as const;
export type AckStatus = (typeof ACK_STATUSES)[number];

/** A UAV's acknowledgement of a command, on `uav/{id}/commands/ack` (request/reply matched by id). */
export interface CommandAck {
  readonly command_id: string;
  readonly uav_id: string;
  readonly seq: number;
  readonly status: AckStatus;
}

/** The states a UAV reports its mission in; SUCCEEDED and FAILED end it. */
export const REPORTED_MISSION_STATES = ['RUNNING', 'SUCCEEDED', 'FAILED'] as const;
export type ReportedMissionState = (typeof REPORTED_MISSION_STATES)[number];

/** A UAV's report on its mission, on `uav/{id}/mission_status`. */
export interface MissionStatusReport {
  readonly mission_id: string;
  /** 0..1. */
  readonly progress: number;
  readonly state: ReportedMissionState;
  /**
   * Per UAV and mission, from 1, one more for each new report: a report sent again (the link is
   * lossy, a UAV repeats its last report) carries the same number and is applied once.
   */
  readonly report_seq: number;
}

export const EVENT_SEVERITIES = ['info', 'warning', 'error'] as const;
export type EventSeverity = (typeof EVENT_SEVERITIES)[number];

/** Something a UAV wants known, on `uav/{id}/events`. */
export interface UavEvent {
  /** A short name: `low_battery`, `geofence_breach`, … */
  readonly event: string;
  readonly severity: EventSeverity;
  readonly message?: string;
  readonly data?: { readonly [key: string]: unknown };
}
