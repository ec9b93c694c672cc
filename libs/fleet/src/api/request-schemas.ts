import {
  MISSION_TYPES,
  REGISTRATION_STATUSES,
  REPORTED_END_STATES,
  SEARCH_PATTERNS,
  UAV_STATUSES,
} from '../model';
import { FLEET_LIMITS } from '../validation';
import { JsonSchema } from './json-schema';

/**
 * The request bodies of the REST API as JSON Schemas. Each one is used twice: the node checks every
 * body against it before building a command, and the OpenAPI document at /docs shows it. The
 * command validator (`validateFleetCommand`) then adds what a schema cannot say: polygons that
 * enclose an area, fields a pattern requires, timestamps, text PostgreSQL can store.
 */

const ID: JsonSchema = {
  type: 'string',
  minLength: 1,
  maxLength: FLEET_LIMITS.idMaxLength,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$',
};

const LATITUDE: JsonSchema = {
  type: 'number',
  minimum: -90,
  maximum: 90,
  description: 'degrees, WGS 84',
};
const LONGITUDE: JsonSchema = {
  type: 'number',
  minimum: -180,
  maximum: 180,
  description: 'degrees, WGS 84',
};
const ALTITUDE: JsonSchema = {
  type: 'number',
  minimum: FLEET_LIMITS.altitudeMin,
  maximum: FLEET_LIMITS.altitudeMax,
  description: 'metres',
};

const GEO_POINT: JsonSchema = {
  type: 'object',
  required: ['lat', 'lon'],
  additionalProperties: false,
  properties: { lat: LATITUDE, lon: LONGITUDE },
};

const POSITION: JsonSchema = {
  type: 'object',
  required: ['lat', 'lon'],
  additionalProperties: false,
  properties: { lat: LATITUDE, lon: LONGITUDE, alt: ALTITUDE },
};

const WAYPOINT: JsonSchema = {
  type: 'object',
  required: ['lat', 'lon', 'alt'],
  additionalProperties: false,
  properties: { lat: LATITUDE, lon: LONGITUDE, alt: ALTITUDE },
};

const BATTERY: JsonSchema = {
  type: 'number',
  minimum: 0,
  maximum: 100,
  description: 'charge in percent',
};

const VERSION: JsonSchema = {
  type: 'integer',
  minimum: 1,
  description:
    'the version the change expects the record to have (the If-Match header does the same)',
};

const IDEMPOTENCY_KEY: JsonSchema = {
  type: 'string',
  minLength: 1,
  maxLength: FLEET_LIMITS.idempotencyKeyMaxLength,
  pattern: '^[!-~]+$',
  description: 'makes a retry safe (the Idempotency-Key header does the same)',
};

/** A free-form JSON object (capabilities, metadata), bounded in size by the command validator. */
const JSON_OBJECT: JsonSchema = {
  type: 'object',
  description: `any JSON object of at most ${FLEET_LIMITS.jsonObjectMaxBytes} bytes`,
};

/** `POST /missions`. */
export const CREATE_MISSION_REQUEST: JsonSchema = {
  title: 'CreateMissionRequest',
  type: 'object',
  required: ['name', 'mission_type', 'uav_list', 'payload', 'priority'],
  additionalProperties: false,
  properties: {
    mission_id: {
      ...ID,
      description:
        'chosen by the client to make a retry safe: the same body again returns the existing mission, a different one is a 409. Generated when absent.',
    },
    name: { type: 'string', minLength: 1, maxLength: FLEET_LIMITS.nameMaxLength },
    description: { type: 'string', maxLength: FLEET_LIMITS.descriptionMaxLength, nullable: true },
    mission_type: {
      type: 'string',
      enum: [...MISSION_TYPES],
      description: 'SINGLE_UAV takes exactly one UAV in uav_list',
    },
    uav_list: {
      type: 'array',
      minItems: 1,
      maxItems: FLEET_LIMITS.uavListMax,
      uniqueItems: true,
      items: ID,
      description: 'registered UAVs; dispatch needs each of them available',
    },
    payload: {
      type: 'object',
      required: ['search_params'],
      additionalProperties: false,
      properties: {
        search_area: {
          type: 'array',
          minItems: 3,
          maxItems: FLEET_LIMITS.searchAreaMaxPoints,
          items: GEO_POINT,
          description: `a polygon that encloses an area; required by the ${['LAWN_MOWER', 'SPIRAL', 'ZIGZAG', 'SECTOR'].join(', ')} patterns`,
        },
        waypoints: {
          type: 'array',
          minItems: 1,
          maxItems: FLEET_LIMITS.waypointsMax,
          items: WAYPOINT,
          description: 'required by the WAYPOINT_LIST pattern',
        },
        search_params: {
          type: 'object',
          required: ['pattern'],
          properties: { pattern: { type: 'string', enum: [...SEARCH_PATTERNS] } },
          additionalProperties: {
            oneOf: [{ type: 'number' }, { type: 'boolean' }, { type: 'string', maxLength: 200 }],
          },
          description: 'the pattern and its parameters (altitude, speed, spacing, …)',
        },
      },
    },
    priority: {
      type: 'integer',
      minimum: FLEET_LIMITS.priorityMin,
      maximum: FLEET_LIMITS.priorityMax,
      description: 'higher first in lists',
    },
    idempotency_key: IDEMPOTENCY_KEY,
  },
};

/** `POST /missions/:id/dispatch | pause | resume | cancel` and `DELETE /missions/:id` (all optional). */
export const MISSION_ACTION_REQUEST: JsonSchema = {
  title: 'MissionActionRequest',
  type: 'object',
  additionalProperties: false,
  properties: { expected_version: VERSION, idempotency_key: IDEMPOTENCY_KEY },
};

/** `POST /missions/:id/progress`, from the UAV side. */
export const MISSION_PROGRESS_REQUEST: JsonSchema = {
  title: 'MissionProgressRequest',
  type: 'object',
  required: ['progress'],
  additionalProperties: false,
  properties: {
    progress: { type: 'number', minimum: 0, maximum: 1 },
    state: {
      type: 'string',
      enum: [...REPORTED_END_STATES],
      description: 'ends a RUNNING mission',
    },
    expected_version: VERSION,
    idempotency_key: IDEMPOTENCY_KEY,
  },
};

/** `POST /uavs/:id/register`. */
export const REGISTER_UAV_REQUEST: JsonSchema = {
  title: 'RegisterUavRequest',
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: [...REGISTRATION_STATUSES], description: 'default ONLINE' },
    capabilities: {
      ...JSON_OBJECT,
      properties: {
        max_altitude: { type: 'number', minimum: 0 },
        max_speed: { type: 'number', minimum: 0 },
        max_flight_time: { type: 'number', minimum: 0 },
        max_payload: { type: 'number', minimum: 0 },
      },
    },
    metadata: JSON_OBJECT,
    position: POSITION,
    battery: BATTERY,
    expected_version: VERSION,
    idempotency_key: IDEMPOTENCY_KEY,
  },
};

/** `POST /uavs/:id/heartbeat`: kept in memory, synced through Raft periodically. */
export const UAV_HEARTBEAT_REQUEST: JsonSchema = {
  title: 'UavHeartbeatRequest',
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: [...UAV_STATUSES] },
    battery: BATTERY,
    position: POSITION,
    current_mission_id: { ...ID, nullable: true },
  },
};
