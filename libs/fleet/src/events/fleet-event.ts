import type { MissionState, MissionType, UavStatus } from '../model';
import type { UavCommandAction } from '../outbox/uav-command';

/**
 * The events the fleet's applied commands produce (docs/events.md). They are derived while an
 * entry is applied and stored with it, so every node holds the same events in the same order, each
 * identified by its log index and its position among the entry's events.
 */
export const FLEET_EVENT_TYPES = [
  'mission_created',
  'mission_dispatched',
  'mission_paused',
  'mission_resumed',
  'mission_cancelled',
  'mission_progress',
  'mission_succeeded',
  'mission_failed',
  'mission_deleted',
  'uav_registered',
  'uav_online',
  'uav_offline',
  'uav_command_flagged',
] as const;
export type FleetEventType = (typeof FLEET_EVENT_TYPES)[number];

/** What a mission event says about its mission: the row without its (possibly large) payload. */
export interface MissionEventData {
  readonly mission_id: string;
  readonly name: string;
  readonly mission_type: MissionType;
  readonly uav_list: readonly string[];
  readonly state: MissionState;
  readonly progress: number;
  readonly priority: number;
  readonly version: number;
  readonly updated_at: string;
  readonly started_at: string | null;
  readonly completed_at: string | null;
}

/** What a UAV event says about its UAV, with the status it had before the command. */
export interface UavEventData {
  readonly uav_id: string;
  readonly status: UavStatus;
  /** The status before this command; null for a UAV registered by it. */
  readonly previous_status: UavStatus | null;
  readonly current_mission_id: string | null;
  readonly last_heartbeat: string | null;
  readonly version: number;
  readonly updated_at: string;
}

/**
 * A command to a UAV that it never acknowledged, given up on: the command is FLAGGED (no more
 * sends) and the UAV was set ERROR. Without the dispatch's mission details (read the mission).
 */
export interface UavCommandEventData {
  readonly uav_id: string;
  readonly command_id: string;
  readonly seq: number;
  readonly action: UavCommandAction;
  readonly mission_id: string;
  readonly issued_at: string;
  readonly flagged_at: string | null;
  readonly tries: number | null;
}

export type FleetEventData = MissionEventData | UavEventData | UavCommandEventData;

/** An event as derived from one applied command, before it has its place in the log. */
export interface FleetEventDraft {
  readonly type: FleetEventType;
  readonly data: FleetEventData;
}

/** An event as stored and sent: `id` is `"<log index>-<position>"`. */
export interface FleetEvent extends FleetEventDraft {
  readonly id: string;
  readonly index: number;
  readonly position: number;
}

/** Where an event stands in the log: events are ordered by index, then position. */
export interface FleetEventPosition {
  readonly index: number;
  readonly position: number;
}

export function fleetEventId(index: number, position: number): string {
  return `${index}-${position}`;
}

/**
 * Reads an event id (`"1234-0"`), or a bare log index (`"1234"`: after every event of that
 * index). Gives the point to resume strictly after, or undefined when the text is neither.
 */
export function parseFleetEventId(text: string): FleetEventPosition | undefined {
  const match = /^(\d{1,15})(?:-(\d{1,6}))?$/.exec(text.trim());
  if (!match) return undefined;
  const index = Number(match[1]);
  const position = match[2] === undefined ? Number.MAX_SAFE_INTEGER : Number(match[2]);
  return { index, position };
}

/** True when `a` comes after `b` in the log's order of events. */
export function isAfter(a: FleetEventPosition, b: FleetEventPosition): boolean {
  return a.index > b.index || (a.index === b.index && a.position > b.position);
}

/** The mission or UAV ids an event concerns, for subscribers' filters. */
export function missionIdOf(event: FleetEventDraft): string | undefined {
  return 'mission_id' in event.data ? event.data.mission_id : undefined;
}

/** The UAVs an event concerns: the UAV of a UAV or UAV command event, the UAVs of a mission event. */
export function uavIdsOf(event: FleetEventDraft): readonly string[] {
  return 'uav_id' in event.data ? [event.data.uav_id] : event.data.uav_list;
}
