import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

const xyz = (names: readonly string[]): SchemaObject => ({
  type: 'object',
  required: [...names],
  properties: Object.fromEntries(names.map((name) => [name, { type: 'number' }])),
  additionalProperties: false,
});

/** One sample, as it travels in JSON. */
export const TELEMETRY_SAMPLE_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['uav_id', 'timestamp_ns', 'position'],
  additionalProperties: false,
  properties: {
    uav_id: { type: 'string', maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$' },
    timestamp_ns: {
      oneOf: [
        { type: 'string', pattern: '^[0-9]{1,19}$' },
        { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
      ],
      description:
        'nanoseconds since the epoch; a decimal string (always, in answers) or a safe integer. ' +
        'Newest wins. At most 5 minutes ahead of the node clock.',
    },
    position: {
      type: 'object',
      required: ['lat', 'lon', 'alt'],
      additionalProperties: false,
      properties: {
        lat: { type: 'number', minimum: -90, maximum: 90 },
        lon: { type: 'number', minimum: -180, maximum: 180 },
        alt: { type: 'number' },
      },
    },
    attitude: xyz(['roll', 'pitch', 'yaw']),
    velocity: xyz(['vx', 'vy', 'vz']),
    battery: {
      type: 'object',
      required: ['percent'],
      additionalProperties: false,
      properties: {
        percent: { type: 'number', minimum: 0, maximum: 100 },
        voltage_mv: { type: 'number', minimum: 0 },
      },
    },
    gps: {
      type: 'object',
      required: ['fix_type', 'num_sat'],
      additionalProperties: false,
      properties: {
        fix_type: { type: 'integer', minimum: 0, maximum: 9 },
        num_sat: { type: 'integer', minimum: 0, maximum: 255 },
      },
    },
    link_quality: { type: 'number', minimum: 0, maximum: 1 },
    flight_mode: { type: 'string', minLength: 1, maxLength: 64 },
  },
};

export const INGRESS_BODY_SCHEMA: SchemaObject = {
  oneOf: [
    TELEMETRY_SAMPLE_SCHEMA,
    { type: 'array', items: TELEMETRY_SAMPLE_SCHEMA, minItems: 1, maxItems: 5000 },
    {
      type: 'object',
      required: ['samples'],
      properties: {
        samples: { type: 'array', items: TELEMETRY_SAMPLE_SCHEMA, minItems: 1, maxItems: 5000 },
      },
    },
  ],
};

const REJECTED_SCHEMA: SchemaObject = {
  type: 'array',
  items: {
    type: 'object',
    required: ['index', 'field', 'reason'],
    properties: {
      index: { type: 'integer', description: 'position of the sample in the batch (0 for one)' },
      field: { type: 'string', description: 'the field at fault, e.g. position.lat' },
      reason: { type: 'string' },
    },
  },
};

export const INGRESS_ACCEPTED_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['accepted', 'rejected'],
  properties: { accepted: { type: 'integer' }, rejected: REJECTED_SCHEMA },
};

export const UAV_TELEMETRY_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['uav_id', 'node_id', 'latest', 'age_ms'],
  properties: {
    uav_id: { type: 'string' },
    node_id: { type: 'string', description: 'the node that answered' },
    latest: TELEMETRY_SAMPLE_SCHEMA,
    age_ms: { type: 'integer', description: 'how old the latest sample is by this node clock' },
    samples: {
      type: 'array',
      items: TELEMETRY_SAMPLE_SCHEMA,
      description: 'with since: the kept samples newer than it, oldest first',
    },
  },
};
