import {
  AREA_PATTERNS,
  MISSION_TYPES,
  REGISTRATION_STATUSES,
  REPORTED_END_STATES,
  SEARCH_PATTERNS,
  SearchPattern,
  UAV_STATUSES,
} from './model';
import { UAV_COMMAND_ACK_STATUSES } from './outbox/outbox-commands';

/**
 * Validation of fleet commands, before they are proposed (and again when applied, so that nothing
 * malformed reaches the tables even from a misbehaving proposer). Pure: no clock, no I/O.
 */

/** One thing wrong with one field, as the API's `details` shows it. */
export interface FieldProblem {
  /** The field's path in the command (and in the request body): `payload.search_area[2].lat`. */
  readonly field: string;
  readonly reason: string;
}

export const FLEET_LIMITS = {
  idMaxLength: 128,
  nameMaxLength: 200,
  descriptionMaxLength: 2000,
  idempotencyKeyMaxLength: 200,
  uavListMax: 100,
  searchAreaMaxPoints: 1000,
  waypointsMax: 10000,
  /** Serialized size of a free-form JSON object (capabilities, metadata, search params). */
  jsonObjectMaxBytes: 16384,
  reportsMax: 5000,
  offlineIdsMax: 5000,
  /** Altitudes in metres, relative to the take-off point or sea level. */
  altitudeMin: -1000,
  altitudeMax: 100000,
  priorityMin: -2147483648,
  priorityMax: 2147483647,
  /** The last millisecond of year 9999: timestamps are 1970-01-01 .. 9999-12-31, UTC. */
  epochMsMax: 253402300799999,
} as const;

/** Ids (missions, UAVs): letters, digits and `._:-`, starting with a letter or digit. */
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

type Json = Record<string, unknown>;

/** Unpaired UTF-16 surrogates: PostgreSQL stores them neither in text nor in jsonb (nor NUL). */
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True for a string PostgreSQL can store as it is (in text and jsonb). */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && !UNPAIRED_SURROGATE.test(value);
}

const UNSTORABLE_REASON = 'must not contain NUL characters or unpaired UTF-16 surrogates';

class Collector {
  readonly problems: FieldProblem[] = [];

  add(field: string, reason: string): void {
    this.problems.push({ field, reason });
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function join(prefix: string, field: string): string {
  return prefix === '' ? field : `${prefix}.${field}`;
}

function oneOf(values: readonly string[]): string {
  return `must be one of ${values.join(', ')}`;
}

function knownFields(c: Collector, value: Json, allowed: readonly string[], prefix: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) c.add(join(prefix, key), 'is not a known field');
  }
}

function checkId(c: Collector, value: unknown, field: string, what: string): boolean {
  if (value === undefined || value === null || value === '') {
    c.add(field, 'is required');
    return false;
  }
  if (typeof value !== 'string') {
    c.add(field, `must be a string (${what})`);
    return false;
  }
  if (value.length > FLEET_LIMITS.idMaxLength) {
    c.add(field, `must be at most ${FLEET_LIMITS.idMaxLength} characters`);
    return false;
  }
  if (!ID_PATTERN.test(value)) {
    c.add(field, 'must contain only letters, digits and . _ : - and start with a letter or digit');
    return false;
  }
  return true;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
}

/** True for an ISO 8601 string with a time zone, or integer epoch milliseconds. */
export function isCommandTimestamp(value: unknown): value is string | number {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0 && value <= FLEET_LIMITS.epochMsMax;
  }
  if (typeof value !== 'string') return false;
  const match = ISO_TIMESTAMP.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second, offsetHour, offsetMinute] = match
    .slice(1)
    .map((part) => (part === undefined ? 0 : Number(part)));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
  if (hour > 23 || minute > 59 || second > 59 || offsetHour > 23 || offsetMinute > 59) return false;
  const ms = Date.parse(value);
  return Number.isFinite(ms) && ms >= 0 && ms <= FLEET_LIMITS.epochMsMax;
}

function checkTimestamp(c: Collector, value: unknown, field: string, required: boolean): void {
  if (value === undefined) {
    if (required) c.add(field, 'is required');
    return;
  }
  if (!isCommandTimestamp(value)) {
    c.add(
      field,
      'must be an ISO 8601 timestamp with a time zone (2030-01-01T00:00:00Z) or epoch milliseconds',
    );
  }
}

function checkNumber(
  c: Collector,
  value: unknown,
  field: string,
  range: { min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean },
  describe: string,
): boolean {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    c.add(field, `must be a number ${describe}`);
    return false;
  }
  const low =
    range.min === undefined || (range.minExclusive ? value > range.min : value >= range.min);
  const high =
    range.max === undefined || (range.maxExclusive ? value < range.max : value <= range.max);
  if (!low || !high) {
    c.add(field, `must be ${describe}`);
    return false;
  }
  return true;
}

function checkString(
  c: Collector,
  value: unknown,
  field: string,
  maxLength: number,
  required: boolean,
): void {
  if (value === undefined || value === null) {
    if (required) c.add(field, 'is required');
    return;
  }
  if (typeof value !== 'string') {
    c.add(field, 'must be a string');
    return;
  }
  if (required && value.trim() === '') c.add(field, 'must not be empty');
  else if (value.length > maxLength) c.add(field, `must be at most ${maxLength} characters`);
  else if (!isStorableText(value)) c.add(field, UNSTORABLE_REASON);
}

function checkOptionalVersion(c: Collector, value: unknown, field: string): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    c.add(field, 'must be an integer of at least 1');
  }
}

function checkIdempotencyKey(c: Collector, value: unknown, field: string): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || value.length === 0) {
    c.add(field, 'must be a non-empty string');
  } else if (value.length > FLEET_LIMITS.idempotencyKeyMaxLength) {
    c.add(field, `must be at most ${FLEET_LIMITS.idempotencyKeyMaxLength} characters`);
  } else if (!/^[\x21-\x7e]+$/.test(value)) {
    c.add(field, 'must contain only printable ASCII characters without spaces');
  }
}

function checkLatLon(c: Collector, point: Json, prefix: string): void {
  if (point.lat === undefined) c.add(join(prefix, 'lat'), 'is required');
  else checkNumber(c, point.lat, join(prefix, 'lat'), { min: -90, max: 90 }, 'between -90 and 90');
  if (point.lon === undefined) c.add(join(prefix, 'lon'), 'is required');
  else
    checkNumber(c, point.lon, join(prefix, 'lon'), { min: -180, max: 180 }, 'between -180 and 180');
}

function checkAltitude(c: Collector, value: unknown, field: string): void {
  const { altitudeMin: min, altitudeMax: max } = FLEET_LIMITS;
  checkNumber(c, value, field, { min, max }, `between ${min} and ${max} (metres)`);
}

/** `{lat, lon, alt?}` (or `alt` required for a waypoint). */
function checkPoint(
  c: Collector,
  value: unknown,
  field: string,
  alt: 'none' | 'optional' | 'required',
): boolean {
  if (!isObject(value)) {
    c.add(
      field,
      alt === 'none' ? 'must be an object {lat, lon}' : 'must be an object {lat, lon, alt}',
    );
    return false;
  }
  const before = c.problems.length;
  knownFields(c, value, alt === 'none' ? ['lat', 'lon'] : ['lat', 'lon', 'alt'], field);
  checkLatLon(c, value, field);
  if (alt === 'required' && value.alt === undefined) c.add(join(field, 'alt'), 'is required');
  else if (alt !== 'none' && value.alt !== undefined)
    checkAltitude(c, value.alt, join(field, 'alt'));
  return c.problems.length === before;
}

/** Twice the signed area of a polygon in degree space (shoelace); 0 for a degenerate one. */
function shoelace(points: ReadonlyArray<{ lat: number; lon: number }>): number {
  let sum = 0;
  for (let i = 0; i < points.length; i++) {
    const a = points[i];
    const b = points[(i + 1) % points.length];
    sum += a.lon * b.lat - b.lon * a.lat;
  }
  return sum;
}

function checkSearchArea(c: Collector, value: unknown, field: string): void {
  if (!Array.isArray(value)) {
    c.add(field, 'must be an array of points {lat, lon}');
    return;
  }
  if (value.length === 0) {
    c.add(field, 'must not be empty (a polygon needs at least 3 points)');
    return;
  }
  if (value.length < 3) {
    c.add(field, 'must have at least 3 points');
    return;
  }
  if (value.length > FLEET_LIMITS.searchAreaMaxPoints) {
    c.add(field, `must have at most ${FLEET_LIMITS.searchAreaMaxPoints} points`);
    return;
  }
  let valid = true;
  value.forEach((point, i) => {
    if (!checkPoint(c, point, `${field}[${i}]`, 'none')) valid = false;
  });
  if (valid && shoelace(value as Array<{ lat: number; lon: number }>) === 0) {
    c.add(field, 'must enclose an area (its points are all on one line)');
  }
}

function checkWaypoints(c: Collector, value: unknown, field: string): void {
  if (!Array.isArray(value)) {
    c.add(field, 'must be an array of waypoints {lat, lon, alt}');
    return;
  }
  if (value.length === 0) {
    c.add(field, 'must not be empty');
    return;
  }
  if (value.length > FLEET_LIMITS.waypointsMax) {
    c.add(field, `must have at most ${FLEET_LIMITS.waypointsMax} waypoints`);
    return;
  }
  value.forEach((point, i) => checkPoint(c, point, `${field}[${i}]`, 'required'));
}

/** Range checks of the pattern parameters we know; any other parameter must be a plain value. */
const SEARCH_PARAM_RULES: Record<
  string,
  { min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean; text: string }
> = {
  altitude: { min: FLEET_LIMITS.altitudeMin, max: FLEET_LIMITS.altitudeMax, text: 'in metres' },
  speed: { min: 0, minExclusive: true, text: 'greater than 0 (m/s)' },
  spacing: { min: 0, minExclusive: true, text: 'greater than 0 (metres)' },
  radius: { min: 0, minExclusive: true, text: 'greater than 0 (metres)' },
  heading: { min: 0, max: 360, maxExclusive: true, text: 'from 0 up to 360 (degrees)' },
  overlap: { min: 0, max: 1, maxExclusive: true, text: 'from 0 up to 1' },
  sector_angle: {
    min: 0,
    max: 360,
    minExclusive: true,
    text: 'greater than 0, at most 360 (degrees)',
  },
};

function checkSearchParams(c: Collector, value: unknown, field: string): SearchPattern | undefined {
  if (!isObject(value)) {
    c.add(field, 'is required: an object with a pattern');
    return undefined;
  }
  let pattern: SearchPattern | undefined;
  if (value.pattern === undefined) c.add(join(field, 'pattern'), 'is required');
  else if (!SEARCH_PATTERNS.includes(value.pattern as SearchPattern))
    c.add(join(field, 'pattern'), oneOf(SEARCH_PATTERNS));
  else pattern = value.pattern as SearchPattern;
  for (const [key, param] of Object.entries(value)) {
    if (key === 'pattern') continue;
    const rule = Object.hasOwn(SEARCH_PARAM_RULES, key) ? SEARCH_PARAM_RULES[key] : undefined;
    const path = join(field, key);
    if (!isStorableText(key)) {
      c.add(field, 'has a parameter name with NUL characters or unpaired surrogates');
    } else if (rule) {
      const { text, ...range } = rule;
      checkNumber(c, param, path, range, text);
    } else if (
      !(typeof param === 'string' && param.length <= 200 && isStorableText(param)) &&
      typeof param !== 'boolean' &&
      !(typeof param === 'number' && Number.isFinite(param))
    ) {
      c.add(path, 'must be a number, a boolean or a string of at most 200 characters');
    }
  }
  return pattern;
}

function checkPayload(c: Collector, value: unknown): void {
  const field = 'payload';
  if (!isObject(value)) {
    c.add(field, 'is required: an object with search_params');
    return;
  }
  knownFields(c, value, ['search_area', 'waypoints', 'search_params'], field);
  const pattern = checkSearchParams(c, value.search_params, join(field, 'search_params'));
  if (value.search_area !== undefined) {
    checkSearchArea(c, value.search_area, join(field, 'search_area'));
  } else if (pattern && AREA_PATTERNS.includes(pattern)) {
    c.add(join(field, 'search_area'), `is required for the ${pattern} pattern`);
  }
  if (value.waypoints !== undefined) {
    checkWaypoints(c, value.waypoints, join(field, 'waypoints'));
  } else if (pattern === 'WAYPOINT_LIST') {
    c.add(join(field, 'waypoints'), 'is required for the WAYPOINT_LIST pattern');
  }
}

function checkIdList(
  c: Collector,
  value: unknown,
  field: string,
  what: string,
  max: number,
  unique: boolean,
): string[] | undefined {
  if (!Array.isArray(value)) {
    c.add(field, `must be an array of ${what} ids`);
    return undefined;
  }
  if (value.length === 0) {
    c.add(field, `must list at least one ${what}`);
    return undefined;
  }
  if (value.length > max) {
    c.add(field, `must list at most ${max} ${what}s`);
    return undefined;
  }
  const seen = new Set<unknown>();
  value.forEach((id, i) => {
    checkId(c, id, `${field}[${i}]`, `a ${what} id`);
    if (unique && seen.has(id)) c.add(`${field}[${i}]`, `repeats ${what} ${String(id)}`);
    seen.add(id);
  });
  return value as string[];
}

function checkUavList(c: Collector, value: unknown, missionType: unknown): void {
  const list = checkIdList(c, value, 'uav_list', 'UAV', FLEET_LIMITS.uavListMax, true);
  if (list && missionType === 'SINGLE_UAV' && list.length !== 1) {
    c.add('uav_list', 'must list exactly one UAV for a SINGLE_UAV mission');
  }
}

function checkJsonObject(c: Collector, value: unknown, field: string): void {
  if (value === undefined) return;
  if (!isObject(value)) {
    c.add(field, 'must be an object');
    return;
  }
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch (_error) {
    c.add(field, 'must be plain JSON');
    return;
  }
  if (!isPlainJson(value)) {
    c.add(
      field,
      'must be plain JSON: finite numbers, at most 20 levels deep, no NUL characters or unpaired surrogates in text',
    );
  } else if (Buffer.byteLength(text) > FLEET_LIMITS.jsonObjectMaxBytes) {
    c.add(field, `must be at most ${FLEET_LIMITS.jsonObjectMaxBytes} bytes as JSON`);
  }
}

function isPlainJson(value: unknown, depth = 0): boolean {
  if (depth > 20) return false;
  if (value === null || typeof value === 'boolean') return true;
  if (typeof value === 'string') return isStorableText(value);
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isPlainJson(item, depth + 1));
  if (isObject(value)) {
    if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null)
      return false;
    return Object.entries(value).every(
      ([key, item]) => isStorableText(key) && isPlainJson(item, depth + 1),
    );
  }
  return false;
}

function checkCapabilities(c: Collector, value: unknown): void {
  checkJsonObject(c, value, 'capabilities');
  if (!isObject(value)) return;
  for (const key of ['max_altitude', 'max_speed', 'max_flight_time', 'max_payload'] as const) {
    if (value[key] !== undefined) {
      checkNumber(c, value[key], `capabilities.${key}`, { min: 0 }, 'of at least 0');
    }
  }
}

function checkBattery(c: Collector, value: unknown, field: string): void {
  if (value === undefined) return;
  checkNumber(c, value, field, { min: 0, max: 100 }, 'between 0 and 100 (percent)');
}

function checkEnum(
  c: Collector,
  value: unknown,
  field: string,
  values: readonly string[],
  required: boolean,
): void {
  if (value === undefined) {
    if (required) c.add(field, 'is required');
    return;
  }
  if (!values.includes(value as string)) c.add(field, oneOf(values));
}

const ACTION_FIELDS = ['type', 'at', 'mission_id', 'expected_version', 'idempotency_key'];

function checkMissionAction(c: Collector, command: Json, extra: readonly string[] = []): void {
  knownFields(c, command, [...ACTION_FIELDS, ...extra], '');
  checkId(c, command.mission_id, 'mission_id', 'a mission id');
  checkTimestamp(c, command.at, 'at', true);
  checkOptionalVersion(c, command.expected_version, 'expected_version');
  checkIdempotencyKey(c, command.idempotency_key, 'idempotency_key');
}

function checkCreateMission(c: Collector, command: Json): void {
  knownFields(
    c,
    command,
    [
      'type',
      'at',
      'mission_id',
      'name',
      'description',
      'mission_type',
      'uav_list',
      'payload',
      'priority',
      'idempotency_key',
    ],
    '',
  );
  checkId(c, command.mission_id, 'mission_id', 'a mission id');
  checkTimestamp(c, command.at, 'at', true);
  checkIdempotencyKey(c, command.idempotency_key, 'idempotency_key');
  checkString(c, command.name, 'name', FLEET_LIMITS.nameMaxLength, true);
  checkString(c, command.description, 'description', FLEET_LIMITS.descriptionMaxLength, false);
  checkEnum(c, command.mission_type, 'mission_type', MISSION_TYPES, true);
  checkUavList(c, command.uav_list, command.mission_type);
  checkPayload(c, command.payload);
  if (command.priority === undefined) c.add('priority', 'is required');
  else if (typeof command.priority !== 'number' || !Number.isInteger(command.priority))
    c.add('priority', 'must be an integer');
  else if (
    command.priority < FLEET_LIMITS.priorityMin ||
    command.priority > FLEET_LIMITS.priorityMax
  )
    c.add(
      'priority',
      `must be between ${FLEET_LIMITS.priorityMin} and ${FLEET_LIMITS.priorityMax}`,
    );
}

function checkProgress(c: Collector, command: Json): void {
  checkMissionAction(c, command, ['progress', 'state']);
  if (command.progress === undefined) c.add('progress', 'is required');
  else checkNumber(c, command.progress, 'progress', { min: 0, max: 1 }, 'between 0 and 1');
  checkEnum(c, command.state, 'state', REPORTED_END_STATES, false);
}

function checkRegisterUav(c: Collector, command: Json): void {
  knownFields(
    c,
    command,
    [
      'type',
      'at',
      'uav_id',
      'status',
      'capabilities',
      'metadata',
      'position',
      'battery',
      'expected_version',
      'idempotency_key',
    ],
    '',
  );
  checkId(c, command.uav_id, 'uav_id', 'a UAV id');
  checkTimestamp(c, command.at, 'at', true);
  checkEnum(c, command.status, 'status', REGISTRATION_STATUSES, false);
  checkCapabilities(c, command.capabilities);
  checkJsonObject(c, command.metadata, 'metadata');
  if (command.position !== undefined) checkPoint(c, command.position, 'position', 'optional');
  checkBattery(c, command.battery, 'battery');
  checkOptionalVersion(c, command.expected_version, 'expected_version');
  checkIdempotencyKey(c, command.idempotency_key, 'idempotency_key');
}

function checkReport(c: Collector, report: unknown, field: string): void {
  if (!isObject(report)) {
    c.add(field, 'must be an object {uav_id, heartbeat_at, …}');
    return;
  }
  knownFields(
    c,
    report,
    ['uav_id', 'status', 'battery', 'position', 'current_mission_id', 'heartbeat_at'],
    field,
  );
  checkId(c, report.uav_id, join(field, 'uav_id'), 'a UAV id');
  checkEnum(c, report.status, join(field, 'status'), UAV_STATUSES, false);
  checkBattery(c, report.battery, join(field, 'battery'));
  if (report.position !== undefined)
    checkPoint(c, report.position, join(field, 'position'), 'optional');
  if (report.current_mission_id !== undefined && report.current_mission_id !== null) {
    checkId(c, report.current_mission_id, join(field, 'current_mission_id'), 'a mission id');
  }
  checkTimestamp(c, report.heartbeat_at, join(field, 'heartbeat_at'), true);
}

function checkSync(c: Collector, command: Json): void {
  knownFields(c, command, ['type', 'at', 'reports'], '');
  checkTimestamp(c, command.at, 'at', true);
  const reports = command.reports;
  if (!Array.isArray(reports)) c.add('reports', 'must be an array of UAV state reports');
  else if (reports.length === 0) c.add('reports', 'must hold at least one report');
  else if (reports.length > FLEET_LIMITS.reportsMax)
    c.add('reports', `must hold at most ${FLEET_LIMITS.reportsMax} reports`);
  else reports.forEach((report, i) => checkReport(c, report, `reports[${i}]`));
}

function checkMarkOffline(c: Collector, command: Json): void {
  knownFields(c, command, ['type', 'at', 'uav_ids', 'stale_before'], '');
  checkTimestamp(c, command.at, 'at', true);
  checkIdList(c, command.uav_ids, 'uav_ids', 'UAV', FLEET_LIMITS.offlineIdsMax, false);
  checkTimestamp(c, command.stale_before, 'stale_before', false);
}

/** AckUavCommand and FlagUavCommand (the UAV link's outbox, libs/fleet/src/outbox). */
function checkUavCommandOutcome(c: Collector, command: Json): void {
  const ack = command.type === 'AckUavCommand';
  const fields = ack ? ['status', 'seq'] : ['tries'];
  knownFields(c, command, ['type', 'at', 'command_id', 'uav_id', ...fields], '');
  checkTimestamp(c, command.at, 'at', true);
  checkId(c, command.command_id, 'command_id', 'a command id');
  checkId(c, command.uav_id, 'uav_id', 'a UAV id');
  if (ack) {
    checkEnum(c, command.status, 'status', UAV_COMMAND_ACK_STATUSES, true);
    if (
      command.seq !== undefined &&
      (typeof command.seq !== 'number' || !Number.isSafeInteger(command.seq) || command.seq < 1)
    )
      c.add('seq', 'must be an integer of at least 1');
  } else if (
    typeof command.tries !== 'number' ||
    !Number.isSafeInteger(command.tries) ||
    command.tries < 1
  )
    c.add('tries', 'must be an integer of at least 1');
}

/**
 * Every problem with a command (without its `v`), in field order; empty when it is valid. Takes
 * `unknown` so that a command built from a request body, or read from the log, can be checked
 * before anything trusts its types.
 */
export function validateFleetCommand(command: unknown): FieldProblem[] {
  const c = new Collector();
  if (!isObject(command)) {
    c.add('', 'must be an object');
    return c.problems;
  }
  switch (command.type) {
    case 'CreateMission':
      checkCreateMission(c, command);
      break;
    case 'DispatchMission':
    case 'PauseMission':
    case 'ResumeMission':
    case 'CancelMission':
    case 'DeleteMission':
      checkMissionAction(c, command);
      break;
    case 'ReportMissionProgress':
      checkProgress(c, command);
      break;
    case 'RegisterUav':
      checkRegisterUav(c, command);
      break;
    case 'SyncUavStates':
      checkSync(c, command);
      break;
    case 'MarkUavsOffline':
      checkMarkOffline(c, command);
      break;
    case 'AckUavCommand':
    case 'FlagUavCommand':
      checkUavCommandOutcome(c, command);
      break;
    default:
      c.add('type', `is not a known fleet command (${JSON.stringify(command.type)})`);
  }
  return c.problems;
}
