import type { TelemetrySample } from './telemetry-sample';

/** A refused sample: its position in the batch, the field at fault and why. */
export interface SampleProblem {
  readonly index: number;
  readonly field: string;
  readonly reason: string;
}

export type SampleCheck =
  | { readonly ok: true; readonly sample: TelemetrySample }
  | { readonly ok: false; readonly field: string; readonly reason: string };

export interface SampleValidationOptions {
  /** The validating node's clock, in nanoseconds since the epoch (passed in: this library reads no clock). */
  readonly nowNs: bigint;
  /**
   * How far ahead of `nowNs` a sample's `timestamp_ns` may be. Newest wins everywhere, so one
   * sample stamped far in the future would hide every real one after it; default 5 minutes.
   */
  readonly maxFutureSkewNs?: bigint;
}

export const TELEMETRY_LIMITS = {
  uavIdMaxLength: 128,
  flightModeMaxLength: 64,
  /** A UAV's battery report is a percentage. */
  batteryPercentMax: 100,
  gpsFixTypeMax: 9,
  gpsNumSatMax: 255,
  defaultMaxFutureSkewNs: 5n * 60n * 1_000_000_000n,
} as const;

/** The largest timestamp_ns accepted: what fits a signed 64-bit integer (year 2262). */
const MAX_TIMESTAMP_NS = 2n ** 63n - 1n;
const UAV_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const DECIMAL_PATTERN = /^[0-9]{1,19}$/;
const SAMPLE_FIELDS = new Set([
  'uav_id',
  'timestamp_ns',
  'position',
  'attitude',
  'velocity',
  'battery',
  'gps',
  'link_quality',
  'flight_mode',
]);

/** Thrown inside one sample's check with the first problem found; never escapes this module. */
class Refusal extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

/**
 * Checks one raw sample (a parsed JSON value) against the original sample shape, and returns it in
 * its in-memory form (`timestamp_ns` as a bigint). `timestamp_ns` arrives as a decimal string or a
 * safe integer. Reports the first problem, naming the field (`position.lat`).
 */
export function validateSample(raw: unknown, options: SampleValidationOptions): SampleCheck {
  try {
    return { ok: true, sample: toSample(raw, options) };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, field: error.field, reason: error.reason };
    throw error;
  }
}

/** The good samples of a batch and the position, field and reason of each bad one. */
export interface BatchCheck {
  readonly samples: TelemetrySample[];
  readonly problems: SampleProblem[];
}

/** Checks each sample on its own: a bad one never drops the good ones. */
export function validateBatch(
  raws: readonly unknown[],
  options: SampleValidationOptions,
): BatchCheck {
  const samples: TelemetrySample[] = [];
  const problems: SampleProblem[] = [];
  for (let index = 0; index < raws.length; index++) {
    const check = validateSample(raws[index], options);
    if (check.ok) samples.push(check.sample);
    else problems.push({ index, field: check.field, reason: check.reason });
  }
  return { samples, problems };
}

/**
 * Reads `timestamp_ns` as it travels in JSON: a decimal string or a non-negative safe integer (or
 * a bigint, as peers' binary batches carry it). Returns undefined when it is none of these (the
 * caller names the field).
 */
export function parseTimestampNs(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return value >= 0n ? value : undefined;
  if (typeof value === 'string' && DECIMAL_PATTERN.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  return undefined;
}

function toSample(raw: unknown, options: SampleValidationOptions): TelemetrySample {
  const body = record(raw, '', 'a telemetry sample must be a JSON object');
  for (const key of Object.keys(body)) {
    if (!SAMPLE_FIELDS.has(key)) throw new Refusal(key, 'is not a field of a telemetry sample');
  }
  const sample: {
    -readonly [K in keyof TelemetrySample]: TelemetrySample[K];
  } = {
    uav_id: uavId(body.uav_id),
    timestamp_ns: timestamp(body.timestamp_ns, options),
    position: position(body.position),
  };
  if (body.attitude !== undefined) {
    const attitude = record(body.attitude, 'attitude', 'must be an object {roll, pitch, yaw}');
    sample.attitude = {
      roll: finite(attitude.roll, 'attitude.roll'),
      pitch: finite(attitude.pitch, 'attitude.pitch'),
      yaw: finite(attitude.yaw, 'attitude.yaw'),
    };
    onlyFields(attitude, 'attitude', ['roll', 'pitch', 'yaw']);
  }
  if (body.velocity !== undefined) {
    const velocity = record(body.velocity, 'velocity', 'must be an object {vx, vy, vz}');
    sample.velocity = {
      vx: finite(velocity.vx, 'velocity.vx'),
      vy: finite(velocity.vy, 'velocity.vy'),
      vz: finite(velocity.vz, 'velocity.vz'),
    };
    onlyFields(velocity, 'velocity', ['vx', 'vy', 'vz']);
  }
  if (body.battery !== undefined) sample.battery = battery(body.battery);
  if (body.gps !== undefined) {
    const gps = record(body.gps, 'gps', 'must be an object {fix_type, num_sat}');
    sample.gps = {
      fix_type: integer(gps.fix_type, 'gps.fix_type', 0, TELEMETRY_LIMITS.gpsFixTypeMax),
      num_sat: integer(gps.num_sat, 'gps.num_sat', 0, TELEMETRY_LIMITS.gpsNumSatMax),
    };
    onlyFields(gps, 'gps', ['fix_type', 'num_sat']);
  }
  if (body.link_quality !== undefined) {
    sample.link_quality = ranged(body.link_quality, 'link_quality', 0, 1);
  }
  if (body.flight_mode !== undefined) {
    const mode = body.flight_mode;
    if (typeof mode !== 'string' || mode.length === 0) {
      throw new Refusal('flight_mode', 'must be a non-empty string');
    }
    if (mode.length > TELEMETRY_LIMITS.flightModeMaxLength) {
      throw new Refusal(
        'flight_mode',
        `must be at most ${TELEMETRY_LIMITS.flightModeMaxLength} characters`,
      );
    }
    sample.flight_mode = mode;
  }
  return sample;
}

function uavId(value: unknown): string {
  if (value === undefined || value === null || value === '')
    throw new Refusal('uav_id', 'is required');
  if (typeof value !== 'string') throw new Refusal('uav_id', 'must be a string (a UAV id)');
  if (value.length > TELEMETRY_LIMITS.uavIdMaxLength) {
    throw new Refusal('uav_id', `must be at most ${TELEMETRY_LIMITS.uavIdMaxLength} characters`);
  }
  if (!UAV_ID_PATTERN.test(value)) {
    throw new Refusal(
      'uav_id',
      'must contain only letters, digits and . _ : - and start with a letter or digit',
    );
  }
  return value;
}

function timestamp(value: unknown, options: SampleValidationOptions): bigint {
  if (value === undefined || value === null) throw new Refusal('timestamp_ns', 'is required');
  const parsed = parseTimestampNs(value);
  if (parsed === undefined || parsed === 0n || parsed > MAX_TIMESTAMP_NS) {
    throw new Refusal(
      'timestamp_ns',
      'must be nanoseconds since the epoch: a positive decimal string or safe integer',
    );
  }
  const skew = options.maxFutureSkewNs ?? TELEMETRY_LIMITS.defaultMaxFutureSkewNs;
  if (parsed > options.nowNs + skew) {
    throw new Refusal(
      'timestamp_ns',
      `is more than ${skew / 1_000_000n} ms ahead of this node's clock`,
    );
  }
  return parsed;
}

function position(value: unknown): TelemetrySample['position'] {
  if (value === undefined || value === null) throw new Refusal('position', 'is required');
  const point = record(value, 'position', 'must be an object {lat, lon, alt}');
  const result = {
    lat: ranged(point.lat, 'position.lat', -90, 90),
    lon: ranged(point.lon, 'position.lon', -180, 180),
    alt: finite(point.alt, 'position.alt'),
  };
  onlyFields(point, 'position', ['lat', 'lon', 'alt']);
  return result;
}

function battery(value: unknown): NonNullable<TelemetrySample['battery']> {
  const body = record(value, 'battery', 'must be an object {percent, voltage_mv?}');
  const percent = ranged(body.percent, 'battery.percent', 0, TELEMETRY_LIMITS.batteryPercentMax);
  onlyFields(body, 'battery', ['percent', 'voltage_mv']);
  if (body.voltage_mv === undefined) return { percent };
  return {
    percent,
    voltage_mv: ranged(body.voltage_mv, 'battery.voltage_mv', 0, Number.MAX_SAFE_INTEGER),
  };
}

function record(value: unknown, field: string, reason: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Refusal(field, reason);
  }
  return value as Record<string, unknown>;
}

function onlyFields(
  body: Record<string, unknown>,
  field: string,
  allowed: readonly string[],
): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) throw new Refusal(`${field}.${key}`, `is not a field of ${field}`);
  }
}

function finite(value: unknown, field: string): number {
  if (value === undefined || value === null) throw new Refusal(field, 'is required');
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Refusal(field, 'must be a finite number');
  }
  return value;
}

function ranged(value: unknown, field: string, min: number, max: number): number {
  const number = finite(value, field);
  if (number < min || number > max) throw new Refusal(field, `must be between ${min} and ${max}`);
  return number;
}

function integer(value: unknown, field: string, min: number, max: number): number {
  const number = ranged(value, field, min, max);
  if (!Number.isInteger(number)) throw new Refusal(field, 'must be an integer');
  return number;
}
