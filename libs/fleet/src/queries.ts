import {
  Mission,
  MISSION_STATES,
  MISSION_TYPES,
  MissionState,
  MissionType,
  Uav,
  UAV_STATUSES,
  UavStatus,
} from './model';
import { MISSION_COLUMNS, MissionRecord, toMission, toUav, UAV_COLUMNS, UavRecord } from './rows';
import { FieldProblem, isCommandTimestamp } from './validation';

/**
 * The read side: what the API lists and shows, from the node's own tables. Works on a DataSource
 * or an EntityManager (anything with TypeORM's `query`).
 */
export interface FleetQueryable {
  query<T = unknown>(sql: string, parameters?: unknown[]): Promise<T>;
}

export const LIST_LIMIT_DEFAULT = 50;
export const LIST_LIMIT_MAX = 500;

export interface ListMissionsQuery {
  readonly state?: MissionState;
  readonly mission_type?: MissionType;
  /** Missions whose uav_list holds this UAV. */
  readonly uav_id?: string;
  /** 1..500, 50 by default. */
  readonly limit?: number;
  /** `next_cursor` of the previous page. */
  readonly cursor?: string;
}

export interface ListUavsQuery {
  readonly status?: UavStatus;
  readonly limit?: number;
  readonly cursor?: string;
}

/** One page of a list, and the cursor of the next one (null on the last page). */
export interface Page<T> {
  readonly items: T[];
  readonly next_cursor: string | null;
}

/** A list query the API should answer with 400 and these problems. */
export class FleetQueryError extends Error {
  constructor(readonly problems: readonly FieldProblem[]) {
    super(`invalid list query: ${problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`);
    this.name = 'FleetQueryError';
  }
}

interface MissionCursor {
  priority: number;
  created_at: string;
  mission_id: string;
}

function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): unknown {
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
  } catch (_error) {
    return undefined;
  }
}

function decodeMissionCursor(cursor: string): MissionCursor | undefined {
  const value = decodeCursor(cursor);
  if (!Array.isArray(value) || value.length !== 3) return undefined;
  const [priority, createdAt, missionId] = value as unknown[];
  if (typeof priority !== 'number' || !Number.isSafeInteger(priority)) return undefined;
  if (typeof createdAt !== 'string' || !isCommandTimestamp(createdAt)) return undefined;
  if (typeof missionId !== 'string' || missionId === '') return undefined;
  return { priority, created_at: createdAt, mission_id: missionId };
}

function decodeUavCursor(cursor: string): string | undefined {
  const value = decodeCursor(cursor);
  return Array.isArray(value) &&
    value.length === 1 &&
    typeof value[0] === 'string' &&
    value[0] !== ''
    ? value[0]
    : undefined;
}

function checkLimit(problems: FieldProblem[], limit: unknown): number {
  if (limit === undefined) return LIST_LIMIT_DEFAULT;
  const value = typeof limit === 'string' && /^\d{1,6}$/.test(limit) ? Number(limit) : limit;
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < 1 ||
    value > LIST_LIMIT_MAX
  ) {
    problems.push({ field: 'limit', reason: `must be an integer from 1 to ${LIST_LIMIT_MAX}` });
    return LIST_LIMIT_DEFAULT;
  }
  return value;
}

function checkEnum<T extends string>(
  problems: FieldProblem[],
  field: string,
  value: unknown,
  values: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!values.includes(value as T)) {
    problems.push({ field, reason: `must be one of ${values.join(', ')}` });
    return undefined;
  }
  return value as T;
}

function checkCursorString(problems: FieldProblem[], cursor: unknown, valid: boolean): void {
  if (!valid) problems.push({ field: 'cursor', reason: 'is not a cursor this list returned' });
  else if (cursor !== undefined && typeof cursor !== 'string')
    problems.push({ field: 'cursor', reason: 'must be a string' });
}

/**
 * Checks a list query as it arrives (query-string values are strings: `limit` may be `"20"`).
 * Empty strings count as absent.
 */
export function parseListMissionsQuery(
  raw: Readonly<Record<string, unknown>>,
): { ok: true; query: ListMissionsQuery } | { ok: false; problems: FieldProblem[] } {
  const value = (key: string): unknown => (raw[key] === '' ? undefined : raw[key]);
  const problems: FieldProblem[] = [];
  const state = checkEnum(problems, 'state', value('state'), MISSION_STATES);
  const missionType = checkEnum(problems, 'mission_type', value('mission_type'), MISSION_TYPES);
  const uavId = value('uav_id');
  if (uavId !== undefined && (typeof uavId !== 'string' || uavId.length > 128))
    problems.push({ field: 'uav_id', reason: 'must be a UAV id of at most 128 characters' });
  const limit = checkLimit(problems, value('limit'));
  const cursor = value('cursor');
  checkCursorString(
    problems,
    cursor,
    cursor === undefined ||
      (typeof cursor === 'string' && decodeMissionCursor(cursor) !== undefined),
  );
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    query: {
      state,
      mission_type: missionType,
      uav_id: uavId as string | undefined,
      limit,
      cursor: cursor as string | undefined,
    },
  };
}

export function parseListUavsQuery(
  raw: Readonly<Record<string, unknown>>,
): { ok: true; query: ListUavsQuery } | { ok: false; problems: FieldProblem[] } {
  const value = (key: string): unknown => (raw[key] === '' ? undefined : raw[key]);
  const problems: FieldProblem[] = [];
  const status = checkEnum(problems, 'status', value('status'), UAV_STATUSES);
  const limit = checkLimit(problems, value('limit'));
  const cursor = value('cursor');
  checkCursorString(
    problems,
    cursor,
    cursor === undefined || (typeof cursor === 'string' && decodeUavCursor(cursor) !== undefined),
  );
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, query: { status, limit, cursor: cursor as string | undefined } };
}

export async function getMission(
  db: FleetQueryable,
  missionId: string,
): Promise<Mission | undefined> {
  const rows = await db.query<MissionRecord[]>(
    `SELECT ${MISSION_COLUMNS} FROM missions WHERE mission_id = $1`,
    [missionId],
  );
  return rows.length === 0 ? undefined : toMission(rows[0]);
}

/**
 * A record as the JSON text the API answers with, built by PostgreSQL, and its version (the ETag):
 * a read by id goes from the row to the response body without node-postgres parsing the row (its
 * jsonb columns and timestamps) and Express serialising it again. The text is the JSON of
 * {@link getMission} / {@link getUav}: the same keys in the same order, the same values.
 */
export interface RecordJson {
  readonly version: number;
  readonly json: string;
}

/** A timestamptz as `Date#toISOString` writes it (UTC, milliseconds, `Z`). */
function isoTimestampSql(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** `json_build_object` (not jsonb's, which reorders keys) over the API's fields, in its order. */
function jsonObjectSql(fields: ReadonlyArray<readonly [string, string]>): string {
  return `json_build_object(${fields.map(([key, sql]) => `'${key}', ${sql}`).join(', ')})::text`;
}

const MISSION_JSON_SQL = jsonObjectSql([
  ['mission_id', 'mission_id'],
  ['name', 'name'],
  ['description', 'description'],
  ['mission_type', 'mission_type'],
  ['uav_list', 'uav_list'],
  ['payload', 'payload'],
  ['state', 'state'],
  ['progress', 'progress'],
  ['priority', 'priority'],
  ['version', 'version'],
  ['created_at', isoTimestampSql('created_at')],
  ['updated_at', isoTimestampSql('updated_at')],
  ['started_at', isoTimestampSql('started_at')],
  ['completed_at', isoTimestampSql('completed_at')],
]);

const UAV_JSON_SQL = jsonObjectSql([
  ['uav_id', 'uav_id'],
  ['status', 'status'],
  ['last_heartbeat', isoTimestampSql('last_heartbeat')],
  ['current_mission_id', 'current_mission_id'],
  ['capabilities', 'capabilities'],
  ['metadata', 'metadata'],
  ['position', 'position'],
  ['battery', 'battery'],
  ['version', 'version'],
  ['created_at', isoTimestampSql('created_at')],
  ['updated_at', isoTimestampSql('updated_at')],
]);

/** {@link getMission} as the response's JSON text; undefined if there is no such mission. */
export async function getMissionJson(
  db: FleetQueryable,
  missionId: string,
): Promise<RecordJson | undefined> {
  const rows = await db.query<RecordJson[]>(
    `SELECT version, ${MISSION_JSON_SQL} AS json FROM missions WHERE mission_id = $1`,
    [missionId],
  );
  return rows[0];
}

/** {@link getUav} as the response's JSON text; undefined if the UAV is not registered. */
export async function getUavJson(
  db: FleetQueryable,
  uavId: string,
): Promise<RecordJson | undefined> {
  const rows = await db.query<RecordJson[]>(
    `SELECT version, ${UAV_JSON_SQL} AS json FROM uavs WHERE uav_id = $1`,
    [uavId],
  );
  return rows[0];
}

/**
 * Missions by priority (highest first), then oldest first, then id; `next_cursor` continues after
 * the page's last row. Throws {@link FleetQueryError} for a bad filter, limit or cursor.
 */
export async function listMissions(
  db: FleetQueryable,
  query: ListMissionsQuery = {},
): Promise<Page<Mission>> {
  const parsed = parseListMissionsQuery(query as Record<string, unknown>);
  if (!parsed.ok) throw new FleetQueryError(parsed.problems);
  const { state, mission_type: missionType, uav_id: uavId, cursor } = parsed.query;
  const limit = parsed.query.limit ?? LIST_LIMIT_DEFAULT;
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  if (state !== undefined) where.push(`state = ${param(state)}`);
  if (missionType !== undefined) where.push(`mission_type = ${param(missionType)}`);
  if (uavId !== undefined) where.push(`uav_list @> ${param(JSON.stringify([uavId]))}::jsonb`);
  if (cursor !== undefined) {
    const after = decodeMissionCursor(cursor) as MissionCursor;
    const p = param(after.priority);
    where.push(
      `(priority < ${p} OR (priority = ${p} AND (created_at, mission_id) > (${param(after.created_at)}::timestamptz, ${param(after.mission_id)})))`,
    );
  }
  const rows = await db.query<MissionRecord[]>(
    `SELECT ${MISSION_COLUMNS} FROM missions
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY priority DESC, created_at, mission_id
     LIMIT ${param(limit + 1)}`,
    params,
  );
  const items = rows.slice(0, limit).map(toMission);
  const last = items[items.length - 1];
  return {
    items,
    next_cursor:
      rows.length > limit ? encodeCursor([last.priority, last.created_at, last.mission_id]) : null,
  };
}

export async function getUav(db: FleetQueryable, uavId: string): Promise<Uav | undefined> {
  const rows = await db.query<UavRecord[]>(`SELECT ${UAV_COLUMNS} FROM uavs WHERE uav_id = $1`, [
    uavId,
  ]);
  return rows.length === 0 ? undefined : toUav(rows[0]);
}

/** UAVs by id. Throws {@link FleetQueryError} for a bad filter, limit or cursor. */
export async function listUavs(db: FleetQueryable, query: ListUavsQuery = {}): Promise<Page<Uav>> {
  const parsed = parseListUavsQuery(query as Record<string, unknown>);
  if (!parsed.ok) throw new FleetQueryError(parsed.problems);
  const { status, cursor } = parsed.query;
  const limit = parsed.query.limit ?? LIST_LIMIT_DEFAULT;
  const where: string[] = [];
  const params: unknown[] = [];
  if (status !== undefined) {
    params.push(status);
    where.push(`status = $${params.length}`);
  }
  if (cursor !== undefined) {
    params.push(decodeUavCursor(cursor));
    where.push(`uav_id > $${params.length}`);
  }
  params.push(limit + 1);
  const rows = await db.query<UavRecord[]>(
    `SELECT ${UAV_COLUMNS} FROM uavs
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY uav_id LIMIT $${params.length}`,
    params,
  );
  const items = rows.slice(0, limit).map(toUav);
  return {
    items,
    next_cursor: rows.length > limit ? encodeCursor([items[items.length - 1].uav_id]) : null,
  };
}

/** The read side bound to one database. */
export class FleetReader {
  constructor(private readonly db: FleetQueryable) {}

  getMission(missionId: string): Promise<Mission | undefined> {
    return getMission(this.db, missionId);
  }

  listMissions(query?: ListMissionsQuery): Promise<Page<Mission>> {
    return listMissions(this.db, query);
  }

  getUav(uavId: string): Promise<Uav | undefined> {
    return getUav(this.db, uavId);
  }

  listUavs(query?: ListUavsQuery): Promise<Page<Uav>> {
    return listUavs(this.db, query);
  }
}
