/** The fleet's vocabulary (DESIGN.md, "The domain"): enumerations and the rows as the API shows them. */

export const MISSION_TYPES = ['SINGLE_UAV', 'MULTI_UAV', 'CLUSTER'] as const;
export type MissionType = (typeof MISSION_TYPES)[number];

export const MISSION_STATES = [
  'PENDING',
  'RUNNING',
  'PAUSED',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
] as const;
export type MissionState = (typeof MISSION_STATES)[number];

/** States a mission never leaves; reaching one frees the mission's UAVs. */
export const TERMINAL_MISSION_STATES: readonly MissionState[] = [
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
];

export const SEARCH_PATTERNS = [
  'LAWN_MOWER',
  'SPIRAL',
  'ZIGZAG',
  'SECTOR',
  'WAYPOINT_LIST',
] as const;
export type SearchPattern = (typeof SEARCH_PATTERNS)[number];

/** Patterns that sweep an area: they need `payload.search_area`. WAYPOINT_LIST needs waypoints. */
export const AREA_PATTERNS: readonly SearchPattern[] = ['LAWN_MOWER', 'SPIRAL', 'ZIGZAG', 'SECTOR'];

export const UAV_STATUSES = ['ONLINE', 'IDLE', 'BUSY', 'OFFLINE', 'ERROR'] as const;
export type UavStatus = (typeof UAV_STATUSES)[number];

/** Statuses a registration may ask for; BUSY and OFFLINE are decided by dispatch and the leader. */
export const REGISTRATION_STATUSES = ['ONLINE', 'IDLE', 'ERROR'] as const;
export type RegistrationStatus = (typeof REGISTRATION_STATUSES)[number];

/** A terminal state a progress report may end a running mission with. */
export const REPORTED_END_STATES = ['SUCCEEDED', 'FAILED'] as const;
export type ReportedEndState = (typeof REPORTED_END_STATES)[number];

export interface GeoPoint {
  readonly lat: number;
  readonly lon: number;
}

export interface Waypoint extends GeoPoint {
  readonly alt: number;
}

export interface Position extends GeoPoint {
  readonly alt?: number;
}

/** A JSON value as stored in a jsonb column. */
export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export interface SearchParams {
  readonly pattern: SearchPattern;
  /** Pattern parameters (altitude, speed, spacing, radius, heading, overlap, …). */
  readonly [param: string]: JsonValue;
}

export interface MissionPayload {
  readonly search_area?: readonly GeoPoint[];
  readonly waypoints?: readonly Waypoint[];
  readonly search_params: SearchParams;
}

/** A mission as the API shows it. Timestamps are ISO 8601 strings in UTC. */
export interface Mission {
  readonly mission_id: string;
  readonly name: string;
  readonly description: string;
  readonly mission_type: MissionType;
  readonly uav_list: readonly string[];
  readonly payload: MissionPayload;
  readonly state: MissionState;
  readonly progress: number;
  readonly priority: number;
  readonly version: number;
  readonly created_at: string;
  readonly updated_at: string;
  readonly started_at: string | null;
  readonly completed_at: string | null;
}

/** A UAV as the API shows it. Timestamps are ISO 8601 strings in UTC. */
export interface Uav {
  readonly uav_id: string;
  readonly status: UavStatus;
  readonly last_heartbeat: string | null;
  readonly current_mission_id: string | null;
  readonly capabilities: { readonly [key: string]: JsonValue };
  readonly metadata: { readonly [key: string]: JsonValue };
  readonly position: Position | null;
  /** Battery charge in percent (0..100), as last reported. */
  readonly battery: number | null;
  readonly version: number;
  readonly created_at: string;
  readonly updated_at: string;
}
