import {
  ACK_STATUSES,
  AckStatus,
  COMMAND_ACTIONS,
  CommandAck,
  CommandAction,
  CommandKind,
  COMMAND_KINDS,
  EVENT_SEVERITIES,
  EventSeverity,
  kindOfAction,
  MissionDetails,
  MissionStatusReport,
  REPORTED_MISSION_STATES,
  ReportedMissionState,
  UavCommand,
  UavEvent,
} from './messages';
import { isUavId } from './topics';

/** One thing wrong with one field of a message. */
export interface MessageProblem {
  readonly field: string;
  readonly reason: string;
}

/** A parsed message, or why it is not one. */
export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problems: readonly MessageProblem[] };

const ID_REASON =
  'must be an id of letters, digits and . _ : - (at most 128, starting with a letter or digit)';
const MAX_MESSAGE_TEXT = 2000;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Checker {
  readonly problems: MessageProblem[] = [];

  constructor(private readonly message: Json) {}

  private add(field: string, reason: string): void {
    this.problems.push({ field, reason });
  }

  id(field: string): string {
    const value = this.message[field];
    if (value === undefined) this.add(field, 'is required');
    else if (!isUavId(value)) this.add(field, ID_REASON);
    return value as string;
  }

  positiveInteger(field: string, min: number): number {
    const value = this.message[field];
    if (value === undefined) this.add(field, 'is required');
    else if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
      this.add(field, `must be an integer of at least ${min}`);
    return value as number;
  }

  oneOf<T extends string>(field: string, values: readonly T[], required = true): T {
    const value = this.message[field];
    if (value === undefined) {
      if (required) this.add(field, 'is required');
    } else if (!values.includes(value as T)) this.add(field, `must be one of ${values.join(', ')}`);
    return value as T;
  }

  text(field: string, max: number, required: boolean): string | undefined {
    const value = this.message[field];
    if (value === undefined) {
      if (required) this.add(field, 'is required');
    } else if (typeof value !== 'string' || value.length === 0 || value.length > max)
      this.add(field, `must be a non-empty string of at most ${max} characters`);
    return value as string | undefined;
  }

  matches(field: string, expected: string, where: string): void {
    if (this.message[field] !== undefined && this.message[field] !== expected)
      this.add(field, `must be ${expected}, the UAV of the ${where}`);
  }

  custom(field: string, reason: string): void {
    this.add(field, reason);
  }

  result<T>(value: () => T): Parsed<T> {
    return this.problems.length === 0
      ? { ok: true, value: value() }
      : { ok: false, problems: this.problems };
  }
}

/** Parses a payload as a JSON object; a problem on the empty field when it is not one. */
export function parseJsonObject(payload: Buffer | Uint8Array | string): Parsed<Json> {
  let value: unknown;
  try {
    value = JSON.parse(typeof payload === 'string' ? payload : Buffer.from(payload).toString());
  } catch {
    return { ok: false, problems: [{ field: '', reason: 'is not JSON' }] };
  }
  if (!isObject(value))
    return { ok: false, problems: [{ field: '', reason: 'must be a JSON object' }] };
  return { ok: true, value };
}

function parseMissionDetails(checker: Checker, value: unknown): MissionDetails | undefined {
  if (!isObject(value)) {
    checker.custom(
      'mission',
      'is required for a dispatch: {name, mission_type, uav_list, payload, priority}',
    );
    return undefined;
  }
  if (typeof value.name !== 'string') checker.custom('mission.name', 'must be a string');
  if (typeof value.mission_type !== 'string')
    checker.custom('mission.mission_type', 'must be a string');
  if (!Array.isArray(value.uav_list) || !value.uav_list.every(isUavId))
    checker.custom('mission.uav_list', 'must be an array of UAV ids');
  if (!isObject(value.payload)) checker.custom('mission.payload', 'must be an object');
  if (typeof value.priority !== 'number' || !Number.isInteger(value.priority))
    checker.custom('mission.priority', 'must be an integer');
  return value as unknown as MissionDetails;
}

/**
 * A command as a UAV receives it. `topicUav` is the UAV the topic names: a command for another UAV
 * is refused.
 */
export function parseUavCommand(message: Json, topicUav?: string): Parsed<UavCommand> {
  const c = new Checker(message);
  const commandId = c.id('command_id');
  const uavId = c.id('uav_id');
  if (topicUav !== undefined) c.matches('uav_id', topicUav, 'topic');
  const seq = c.positiveInteger('seq', 1);
  const term = c.positiveInteger('term', 1);
  const action = c.oneOf<CommandAction>('action', COMMAND_ACTIONS);
  const kind = c.oneOf<CommandKind>('kind', COMMAND_KINDS);
  if ((COMMAND_ACTIONS as readonly string[]).includes(action) && kind !== undefined) {
    if (kind !== kindOfAction(action))
      c.custom('kind', `must be ${kindOfAction(action)} for ${action}`);
  }
  const missionId = c.id('mission_id');
  let mission: MissionDetails | undefined;
  if (action === 'dispatch') mission = parseMissionDetails(c, message.mission);
  else if (message.mission !== undefined) c.custom('mission', 'is only sent with a dispatch');
  const issuedAt = c.text('issued_at', 64, true);
  if (issuedAt !== undefined && Number.isNaN(Date.parse(issuedAt)))
    c.custom('issued_at', 'must be an ISO 8601 timestamp');
  return c.result(() => ({
    command_id: commandId,
    uav_id: uavId,
    seq,
    term,
    kind,
    action,
    mission_id: missionId,
    ...(mission === undefined ? {} : { mission }),
    issued_at: issuedAt as string,
  }));
}

/** An acknowledgement from the UAV the topic names (`uav_id` defaults to it). */
export function parseCommandAck(message: Json, topicUav: string): Parsed<CommandAck> {
  const c = new Checker(message);
  const commandId = c.id('command_id');
  c.matches('uav_id', topicUav, 'topic');
  const seq = c.positiveInteger('seq', 1);
  const status = c.oneOf<AckStatus>('status', ACK_STATUSES);
  return c.result(() => ({ command_id: commandId, uav_id: topicUav, seq, status }));
}

export function parseMissionStatus(message: Json): Parsed<MissionStatusReport> {
  const c = new Checker(message);
  const missionId = c.id('mission_id');
  const progress = message.progress;
  if (progress === undefined) c.custom('progress', 'is required');
  else if (typeof progress !== 'number' || !(progress >= 0 && progress <= 1))
    c.custom('progress', 'must be a number between 0 and 1');
  const state = c.oneOf<ReportedMissionState>('state', REPORTED_MISSION_STATES);
  const reportSeq = c.positiveInteger('report_seq', 1);
  return c.result(() => ({
    mission_id: missionId,
    progress: progress as number,
    state,
    report_seq: reportSeq,
  }));
}

export function parseUavEvent(message: Json): Parsed<UavEvent> {
  const c = new Checker(message);
  const event = c.text('event', 64, true);
  const severity = c.oneOf<EventSeverity>('severity', EVENT_SEVERITIES, false) ?? 'info';
  const text = c.text('message', MAX_MESSAGE_TEXT, false);
  if (message.data !== undefined && !isObject(message.data)) c.custom('data', 'must be an object');
  return c.result(() => ({
    event: event as string,
    severity,
    ...(text === undefined ? {} : { message: text }),
    ...(message.data === undefined ? {} : { data: message.data as Json }),
  }));
}

/** `field: reason; …` for logs. */
export function describeMessageProblems(problems: readonly MessageProblem[]): string {
  return problems.map((p) => (p.field === '' ? p.reason : `${p.field}: ${p.reason}`)).join('; ');
}
