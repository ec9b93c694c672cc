import {
  Mission,
  MissionPayload,
  MissionState,
  MissionType,
  Position,
  Uav,
  UavStatus,
  JsonValue,
} from './model';

/** A `missions` row as node-postgres returns it. */
export interface MissionRecord {
  mission_id: string;
  name: string;
  description: string;
  mission_type: MissionType;
  uav_list: string[];
  payload: MissionPayload;
  state: MissionState;
  progress: number;
  priority: number;
  version: number;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  create_hash: string;
}

/** A `uavs` row as node-postgres returns it. */
export interface UavRecord {
  uav_id: string;
  status: UavStatus;
  last_heartbeat: Date | null;
  current_mission_id: string | null;
  capabilities: { [key: string]: JsonValue };
  metadata: { [key: string]: JsonValue };
  position: Position | null;
  battery: number | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export const MISSION_COLUMNS =
  'mission_id, name, description, mission_type, uav_list, payload, state, progress, priority, version, created_at, updated_at, started_at, completed_at, create_hash';

export const UAV_COLUMNS =
  'uav_id, status, last_heartbeat, current_mission_id, capabilities, metadata, position, battery, version, created_at, updated_at';

function iso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

function isoOrNull(value: Date | string | null): string | null {
  return value === null ? null : iso(value);
}

/** The mission as the API shows it. */
export function toMission(record: MissionRecord): Mission {
  return {
    mission_id: record.mission_id,
    name: record.name,
    description: record.description,
    mission_type: record.mission_type,
    uav_list: record.uav_list,
    payload: record.payload,
    state: record.state,
    progress: Number(record.progress),
    priority: Number(record.priority),
    version: Number(record.version),
    created_at: iso(record.created_at),
    updated_at: iso(record.updated_at),
    started_at: isoOrNull(record.started_at),
    completed_at: isoOrNull(record.completed_at),
  };
}

/** The UAV as the API shows it. */
export function toUav(record: UavRecord): Uav {
  return {
    uav_id: record.uav_id,
    status: record.status,
    last_heartbeat: isoOrNull(record.last_heartbeat),
    current_mission_id: record.current_mission_id,
    capabilities: record.capabilities,
    metadata: record.metadata,
    position: record.position,
    battery: record.battery === null ? null : Number(record.battery),
    version: Number(record.version),
    created_at: iso(record.created_at),
    updated_at: iso(record.updated_at),
  };
}

const MISSION_KEYS: ReadonlyArray<keyof Mission> = [
  'mission_id',
  'name',
  'description',
  'mission_type',
  'uav_list',
  'payload',
  'state',
  'progress',
  'priority',
  'version',
  'created_at',
  'updated_at',
  'started_at',
  'completed_at',
];

const UAV_KEYS: ReadonlyArray<keyof Uav> = [
  'uav_id',
  'status',
  'last_heartbeat',
  'current_mission_id',
  'capabilities',
  'metadata',
  'position',
  'battery',
  'version',
  'created_at',
  'updated_at',
];

/**
 * A mission or UAV read back from jsonb (which keeps object keys in its own order), with its keys
 * in the order the API shows them.
 */
export function inApiKeyOrder(kind: 'mission' | 'uav', value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const source = value as Record<string, unknown>;
  const ordered: Record<string, unknown> = {};
  for (const key of kind === 'mission' ? MISSION_KEYS : UAV_KEYS) {
    if (key in source) ordered[key] = source[key];
  }
  return ordered;
}
