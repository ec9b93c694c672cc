import { MISSION_STATES, MISSION_TYPES, SEARCH_PATTERNS, UAV_STATUSES } from '../model';
import { JsonSchema } from './json-schema';

/** What the API answers, as the OpenAPI document shows it (the rows of `model.ts`). */

const TIMESTAMP: JsonSchema = { type: 'string', format: 'date-time', description: 'UTC' };
const NULLABLE_TIMESTAMP: JsonSchema = { ...TIMESTAMP, nullable: true };
const POINT: JsonSchema = {
  type: 'object',
  properties: { lat: { type: 'number' }, lon: { type: 'number' }, alt: { type: 'number' } },
};

export const MISSION_RESPONSE: JsonSchema = {
  title: 'Mission',
  type: 'object',
  properties: {
    mission_id: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    mission_type: { type: 'string', enum: [...MISSION_TYPES] },
    uav_list: { type: 'array', items: { type: 'string' } },
    payload: {
      type: 'object',
      properties: {
        search_area: { type: 'array', items: POINT },
        waypoints: { type: 'array', items: POINT },
        search_params: {
          type: 'object',
          properties: { pattern: { type: 'string', enum: [...SEARCH_PATTERNS] } },
        },
      },
    },
    state: { type: 'string', enum: [...MISSION_STATES] },
    progress: { type: 'number', minimum: 0, maximum: 1 },
    priority: { type: 'integer' },
    version: { type: 'integer', description: 'incremented by each change; the ETag' },
    created_at: TIMESTAMP,
    updated_at: TIMESTAMP,
    started_at: NULLABLE_TIMESTAMP,
    completed_at: NULLABLE_TIMESTAMP,
  },
};

export const UAV_RESPONSE: JsonSchema = {
  title: 'Uav',
  type: 'object',
  properties: {
    uav_id: { type: 'string' },
    status: { type: 'string', enum: [...UAV_STATUSES] },
    last_heartbeat: NULLABLE_TIMESTAMP,
    current_mission_id: { type: 'string', nullable: true },
    capabilities: { type: 'object' },
    metadata: { type: 'object' },
    position: { ...POINT, nullable: true },
    battery: { type: 'number', nullable: true, description: 'percent' },
    version: { type: 'integer', description: 'incremented by each change; the ETag' },
    created_at: TIMESTAMP,
    updated_at: TIMESTAMP,
  },
};

function page(item: JsonSchema, title: string): JsonSchema {
  return {
    title,
    type: 'object',
    properties: {
      items: { type: 'array', items: item },
      next_cursor: {
        type: 'string',
        nullable: true,
        description: 'pass as `cursor` for the next page; null on the last page',
      },
    },
  };
}

export const MISSION_PAGE_RESPONSE = page(MISSION_RESPONSE, 'MissionPage');
export const UAV_PAGE_RESPONSE = page(UAV_RESPONSE, 'UavPage');

export const HEARTBEAT_ACCEPTED_RESPONSE: JsonSchema = {
  title: 'HeartbeatAccepted',
  type: 'object',
  properties: {
    uav_id: { type: 'string' },
    accepted: { type: 'boolean' },
    synced_within_ms: { type: 'integer', description: 'the report reaches the log within this' },
  },
};

/** Every error: `details` names each bad field and why. */
export const API_ERROR_RESPONSE: JsonSchema = {
  title: 'ApiError',
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string' },
    details: {
      type: 'array',
      items: {
        type: 'object',
        properties: { field: { type: 'string' }, reason: { type: 'string' } },
      },
    },
  },
};
