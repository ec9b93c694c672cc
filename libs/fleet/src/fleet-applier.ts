import type {
  CommandApplier,
  CommitTail,
  CommittedCommand,
  ProposalEnvelope,
} from '@falconmind/consensus';
import type { Entry } from '@falconmind/raft';
import type { EntityManager } from 'typeorm';
import {
  CommandTimestamp,
  CreateMissionCommand,
  decodeFleetCommand,
  FleetCommand,
  FleetCommandError,
  MarkUavsOfflineCommand,
  MissionActionCommand,
  RegisterUavCommand,
  SyncUavStatesCommand,
} from './commands';
import { deriveFleetEvents, FleetApplyNotes, recordFleetEvents } from './events';
import { FLEET_TABLES } from './fleet-migrations';
import { applyFleetRun } from './fleet-run';
import { KnownMissionIds } from './known-mission-ids';
import { answerFromStore, IDEMPOTENCY_RETENTION_ENTRIES, requestHash } from './idempotency-keys';
import { ackUavCommand, flagUavCommand, recordUavCommands, UavCommandRow } from './outbox';
import { Mission, MissionState, Position, TERMINAL_MISSION_STATES, Uav, UavStatus } from './model';
import { applied, createdDifferently, FleetApplyOutcome, rejected } from './rejection';
import { MISSION_COLUMNS, MissionRecord, toMission, toUav, UAV_COLUMNS, UavRecord } from './rows';

export { IDEMPOTENCY_RETENTION_ENTRIES } from './idempotency-keys';

/** What a SyncUavStates command did: the UAVs it changed, and the ids it left alone. */
export interface SyncUavStatesResult {
  readonly updated: readonly Uav[];
  /** Unknown UAVs, and reports older than the stored heartbeat. */
  readonly skipped: readonly string[];
}

/** What a MarkUavsOffline command did. */
export interface MarkUavsOfflineResult {
  readonly offline: readonly Uav[];
  /** Unknown UAVs, UAVs already offline, and UAVs heard from at or after `stale_before`. */
  readonly skipped: readonly string[];
}

/** The `result` of an applied command, by command type. DeleteMission gives the deleted mission. */
export interface FleetResultByType {
  CreateMission: Mission;
  DispatchMission: Mission;
  PauseMission: Mission;
  ResumeMission: Mission;
  CancelMission: Mission;
  ReportMissionProgress: Mission;
  DeleteMission: Mission;
  RegisterUav: Uav;
  SyncUavStates: SyncUavStatesResult;
  MarkUavsOffline: MarkUavsOfflineResult;
  AckUavCommand: UavCommandRow;
  FlagUavCommand: UavCommandRow;
}

/**
 * The fleet's part of the replicated state machine. The node's TypeormStateMachine calls `apply`
 * for every committed command, inside the batch's transaction (which also stores the applied
 * index). Applying is deterministic: it reads only the command and the tables, never a clock or a
 * random source, so every node's tables are identical at every index. A rejected command changes
 * nothing: every check is made before the first write.
 */
export class FleetApplier implements CommandApplier {
  readonly tables: readonly string[] = FLEET_TABLES;
  /** The ids in `missions`, for deciding creates of new ids without PostgreSQL (applyRun). */
  private readonly knownIds = new KnownMissionIds();

  /** The tables may have changed behind the applier (a rolled-back batch, a snapshot). */
  discardCaches(): void {
    this.knownIds.forget();
  }

  async apply(
    manager: EntityManager,
    entry: Entry,
    envelope: ProposalEnvelope,
  ): Promise<FleetApplyOutcome> {
    // Applying one command at a time keeps no set of ids.
    this.knownIds.forget();
    let command: FleetCommand;
    try {
      command = decodeFleetCommand(envelope.payload);
    } catch (error) {
      if (error instanceof FleetCommandError) return rejected('invalid', `${error.message}.`);
      throw error;
    }
    return applyFleetCommand(manager, command, entry.index);
  }

  /** The same as `apply` for each command in turn, in a few statements per run (see applyFleetRun). */
  applyRun(
    manager: EntityManager,
    commands: readonly CommittedCommand[],
    atCommit: CommitTail,
  ): Promise<readonly FleetApplyOutcome[]> {
    return applyFleetRun(manager, commands, applyCommand, atCommit, this.knownIds);
  }
}

/** Applies one (valid) command at log index `index`, and records the events it produced. */
export async function applyFleetCommand(
  db: EntityManager,
  command: FleetCommand,
  index: number,
): Promise<FleetApplyOutcome> {
  const notes = new FleetApplyNotes();
  const outcome = await applyOnce(db, command, index, notes);
  await recordFleetEvents(db, index, deriveFleetEvents(command, outcome, notes));
  await recordUavCommands(db, command, outcome, index);
  return outcome;
}

async function applyOnce(
  db: EntityManager,
  command: FleetCommand,
  index: number,
  notes: FleetApplyNotes,
): Promise<FleetApplyOutcome> {
  const key = 'idempotency_key' in command ? command.idempotency_key : undefined;
  if (key === undefined) return applyCommand(db, command, notes);

  const hash = requestHash(command);
  const stored = await db.query<Array<{ command_hash: string; outcome: { result: unknown } }>>(
    'SELECT command_hash, outcome FROM fleet_idempotency WHERE key = $1',
    [key],
  );
  if (stored.length > 0) {
    return answerFromStore(command, key, hash, { ...stored[0], applied_index: index });
  }
  const outcome = await applyCommand(db, command, notes);
  if (outcome.status === 'applied') {
    await db.query(
      'INSERT INTO fleet_idempotency (key, command_hash, outcome, applied_index) VALUES ($1, $2, $3::jsonb, $4)',
      [key, hash, JSON.stringify({ status: 'applied', result: outcome.result }), index],
    );
    await db.query('DELETE FROM fleet_idempotency WHERE applied_index <= $1', [
      index - IDEMPOTENCY_RETENTION_ENTRIES,
    ]);
  }
  return outcome;
}

/** Applies one (valid) command's change, without its idempotency key, events or outbox rows. */
function applyCommand(
  db: EntityManager,
  command: FleetCommand,
  notes: FleetApplyNotes,
): Promise<FleetApplyOutcome> {
  switch (command.type) {
    case 'CreateMission':
      return createMission(db, command, notes);
    case 'DispatchMission':
    case 'PauseMission':
    case 'ResumeMission':
    case 'CancelMission':
    case 'ReportMissionProgress':
    case 'DeleteMission':
      return missionAction(db, command);
    case 'RegisterUav':
      return registerUav(db, command, notes);
    case 'SyncUavStates':
      return syncUavStates(db, command, notes);
    case 'MarkUavsOffline':
      return markUavsOffline(db, command, notes);
    case 'AckUavCommand':
      return ackUavCommand(db, command, commandTime(command.at));
    case 'FlagUavCommand':
      return flagUavCommand(db, command, commandTime(command.at), notes);
  }
}

/** The command's time as an ISO string (UTC, milliseconds): what every node stores. */
export function commandTime(at: CommandTimestamp): string {
  return new Date(at).toISOString();
}

async function loadMission(
  db: EntityManager,
  missionId: string,
): Promise<MissionRecord | undefined> {
  const rows = await db.query<MissionRecord[]>(
    `SELECT ${MISSION_COLUMNS} FROM missions WHERE mission_id = $1`,
    [missionId],
  );
  return rows[0];
}

/** Rows of an UPDATE/DELETE … RETURNING (TypeORM answers those with `[rows, rowCount]`). */
async function returning<T>(db: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  const raw = await db.query<[T[], number]>(sql, params);
  return raw[0];
}

async function createMission(
  db: EntityManager,
  command: CreateMissionCommand,
  notes: FleetApplyNotes,
): Promise<FleetApplyOutcome> {
  const hash = requestHash(command);
  const existing = await loadMission(db, command.mission_id);
  if (existing) {
    if (existing.create_hash === hash) return applied(toMission(existing));
    return createdDifferently(command.mission_id);
  }
  const at = commandTime(command.at);
  notes.missionInserted();
  const rows = await db.query<MissionRecord[]>(
    `INSERT INTO missions (mission_id, name, description, mission_type, uav_list, payload, state,
       progress, priority, version, created_at, updated_at, started_at, completed_at, create_hash)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, 'PENDING', 0, $7, 1, $8, $8, NULL, NULL, $9)
     RETURNING ${MISSION_COLUMNS}`,
    [
      command.mission_id,
      command.name,
      command.description ?? '',
      command.mission_type,
      JSON.stringify(command.uav_list),
      JSON.stringify(command.payload),
      command.priority,
      at,
      hash,
    ],
  );
  return applied(toMission(rows[0]));
}

/** The states each action may start from, and where it leads. */
const TRANSITIONS: Record<
  'DispatchMission' | 'PauseMission' | 'ResumeMission' | 'CancelMission',
  { from: readonly MissionState[]; to: MissionState; verb: string }
> = {
  DispatchMission: { from: ['PENDING'], to: 'RUNNING', verb: 'dispatched' },
  PauseMission: { from: ['RUNNING'], to: 'PAUSED', verb: 'paused' },
  ResumeMission: { from: ['PAUSED'], to: 'RUNNING', verb: 'resumed' },
  CancelMission: { from: ['PENDING', 'RUNNING', 'PAUSED'], to: 'CANCELLED', verb: 'cancelled' },
};

function isTerminal(state: MissionState): boolean {
  return TERMINAL_MISSION_STATES.includes(state);
}

function onlyFrom(states: readonly MissionState[]): string {
  return states.length === 1 ? `only a ${states[0]} one` : `only ${states.join(', ')} ones`;
}

async function missionAction(
  db: EntityManager,
  command: MissionActionCommand,
): Promise<FleetApplyOutcome> {
  const mission = await loadMission(db, command.mission_id);
  if (!mission) return rejected('not_found', `mission ${command.mission_id} does not exist.`);
  if (command.expected_version !== undefined && command.expected_version !== mission.version) {
    return rejected(
      'version_mismatch',
      `mission ${mission.mission_id} is at version ${mission.version}, not the expected ${command.expected_version}.`,
    );
  }
  const at = commandTime(command.at);
  switch (command.type) {
    case 'DeleteMission':
      return deleteMission(db, mission);
    case 'ReportMissionProgress':
      return reportProgress(db, mission, command.progress, command.state, at);
    case 'DispatchMission':
      return transition(db, mission, command.type, at, true);
    default:
      return transition(db, mission, command.type, at, false);
  }
}

async function transition(
  db: EntityManager,
  mission: MissionRecord,
  type: keyof typeof TRANSITIONS,
  at: string,
  dispatch: boolean,
): Promise<FleetApplyOutcome> {
  const { from, to, verb } = TRANSITIONS[type];
  if (!from.includes(mission.state)) {
    return rejected(
      'conflict',
      `mission ${mission.mission_id} is ${mission.state} and cannot be ${verb} (${onlyFrom(from)} can).`,
    );
  }
  if (dispatch) {
    const refusal = await checkUavsForDispatch(db, mission);
    if (refusal) return refusal;
  }
  const rows = await returning<MissionRecord>(
    db,
    `UPDATE missions SET state = $2, version = version + 1, updated_at = $3,
       started_at = CASE WHEN $4::boolean THEN $3::timestamptz ELSE started_at END,
       completed_at = CASE WHEN $5::boolean THEN $3::timestamptz ELSE completed_at END
     WHERE mission_id = $1 RETURNING ${MISSION_COLUMNS}`,
    [mission.mission_id, to, at, dispatch, isTerminal(to)],
  );
  const updated = rows[0];
  if (dispatch) await assignUavs(db, updated, at);
  if (isTerminal(to)) await freeUavs(db, mission.mission_id, at);
  return applied(toMission(updated));
}

/** Every UAV of the mission registered, reachable, and not busy with another mission. */
async function checkUavsForDispatch(
  db: EntityManager,
  mission: MissionRecord,
): Promise<FleetApplyOutcome | undefined> {
  const uavs = await db.query<UavRecord[]>(
    `SELECT ${UAV_COLUMNS} FROM uavs WHERE uav_id = ANY($1::text[])`,
    [mission.uav_list],
  );
  const byId = new Map(uavs.map((uav) => [uav.uav_id, uav]));
  const problems: string[] = [];
  for (const uavId of mission.uav_list) {
    const uav = byId.get(uavId);
    if (!uav) problems.push(`UAV ${uavId} is not registered`);
    else if (uav.status === 'OFFLINE' || uav.status === 'ERROR')
      problems.push(`UAV ${uavId} is ${uav.status}`);
    else if (uav.current_mission_id !== null && uav.current_mission_id !== mission.mission_id)
      problems.push(`UAV ${uavId} is busy with mission ${uav.current_mission_id}`);
    else if (uav.status === 'BUSY' && uav.current_mission_id === null)
      problems.push(`UAV ${uavId} is BUSY`);
  }
  if (problems.length === 0) return undefined;
  return rejected(
    'conflict',
    `mission ${mission.mission_id} cannot be dispatched: ${problems.join('; ')}.`,
  );
}

async function assignUavs(db: EntityManager, mission: MissionRecord, at: string): Promise<void> {
  await db.query(
    `UPDATE uavs SET status = 'BUSY', current_mission_id = $1, version = version + 1, updated_at = $3
     WHERE uav_id = ANY($2::text[])`,
    [mission.mission_id, mission.uav_list, at],
  );
}

/** A mission that ended frees its UAVs: BUSY ones become IDLE, none keeps the mission. */
async function freeUavs(db: EntityManager, missionId: string, at: string): Promise<void> {
  await db.query(
    `UPDATE uavs SET status = CASE WHEN status = 'BUSY' THEN 'IDLE' ELSE status END,
       current_mission_id = NULL, version = version + 1, updated_at = $2
     WHERE current_mission_id = $1`,
    [missionId, at],
  );
}

async function reportProgress(
  db: EntityManager,
  mission: MissionRecord,
  progress: number,
  state: 'SUCCEEDED' | 'FAILED' | undefined,
  at: string,
): Promise<FleetApplyOutcome> {
  if (state !== undefined && mission.state !== 'RUNNING') {
    return rejected(
      'conflict',
      `mission ${mission.mission_id} is ${mission.state} and cannot become ${state} (only a RUNNING one can).`,
    );
  }
  if (state === undefined && mission.state !== 'RUNNING' && mission.state !== 'PAUSED') {
    return rejected(
      'conflict',
      `mission ${mission.mission_id} is ${mission.state} and takes no progress reports (only RUNNING and PAUSED ones do).`,
    );
  }
  const ends = state !== undefined;
  const rows = await returning<MissionRecord>(
    db,
    `UPDATE missions SET progress = $2, state = $3, version = version + 1, updated_at = $4,
       completed_at = CASE WHEN $5::boolean THEN $4::timestamptz ELSE completed_at END
     WHERE mission_id = $1 RETURNING ${MISSION_COLUMNS}`,
    [mission.mission_id, progress, state ?? mission.state, at, ends],
  );
  if (ends) await freeUavs(db, mission.mission_id, at);
  return applied(toMission(rows[0]));
}

async function deleteMission(
  db: EntityManager,
  mission: MissionRecord,
): Promise<FleetApplyOutcome> {
  if (mission.state === 'RUNNING' || mission.state === 'PAUSED') {
    return rejected(
      'conflict',
      `mission ${mission.mission_id} is ${mission.state} and cannot be deleted (cancel it first).`,
    );
  }
  await db.query('DELETE FROM missions WHERE mission_id = $1', [mission.mission_id]);
  return applied(toMission(mission));
}

async function loadUavs(
  db: EntityManager,
  ids: readonly string[],
): Promise<Map<string, UavRecord>> {
  const rows = await db.query<UavRecord[]>(
    `SELECT ${UAV_COLUMNS} FROM uavs WHERE uav_id = ANY($1::text[])`,
    [ids],
  );
  return new Map(rows.map((row) => [row.uav_id, row]));
}

async function registerUav(
  db: EntityManager,
  command: RegisterUavCommand,
  notes: FleetApplyNotes,
): Promise<FleetApplyOutcome> {
  const existing = (await loadUavs(db, [command.uav_id])).get(command.uav_id);
  notes.uavStatusBefore(command.uav_id, existing?.status ?? null);
  const at = commandTime(command.at);
  if (!existing) {
    if (command.expected_version !== undefined) {
      return rejected('not_found', `UAV ${command.uav_id} is not registered.`);
    }
    const rows = await db.query<UavRecord[]>(
      `INSERT INTO uavs (uav_id, status, last_heartbeat, current_mission_id, capabilities, metadata,
         position, battery, version, created_at, updated_at)
       VALUES ($1, $2, $3, NULL, $4::jsonb, $5::jsonb, $6::jsonb, $7, 1, $3, $3)
       RETURNING ${UAV_COLUMNS}`,
      [
        command.uav_id,
        command.status ?? 'ONLINE',
        at,
        JSON.stringify(command.capabilities ?? {}),
        JSON.stringify(command.metadata ?? {}),
        command.position === undefined ? null : JSON.stringify(command.position),
        command.battery ?? null,
      ],
    );
    return applied(toUav(rows[0]));
  }
  if (command.expected_version !== undefined && command.expected_version !== existing.version) {
    return rejected(
      'version_mismatch',
      `UAV ${command.uav_id} is at version ${existing.version}, not the expected ${command.expected_version}.`,
    );
  }
  // A UAV busy with a mission stays BUSY unless it reports an error.
  const status: UavStatus =
    existing.current_mission_id !== null && command.status !== 'ERROR'
      ? 'BUSY'
      : (command.status ?? 'ONLINE');
  const rows = await returning<UavRecord>(
    db,
    `UPDATE uavs SET status = $2, last_heartbeat = GREATEST(last_heartbeat, $3::timestamptz),
       capabilities = COALESCE($4::jsonb, capabilities), metadata = COALESCE($5::jsonb, metadata),
       position = COALESCE($6::jsonb, position), battery = COALESCE($7, battery),
       version = version + 1, updated_at = $3
     WHERE uav_id = $1 RETURNING ${UAV_COLUMNS}`,
    [
      command.uav_id,
      status,
      at,
      command.capabilities === undefined ? null : JSON.stringify(command.capabilities),
      command.metadata === undefined ? null : JSON.stringify(command.metadata),
      command.position === undefined ? null : JSON.stringify(command.position),
      command.battery ?? null,
    ],
  );
  return applied(toUav(rows[0]));
}

interface UavChange {
  uav_id: string;
  status: UavStatus;
  last_heartbeat: string | null;
  current_mission_id: string | null;
  position: Position | null;
  battery: number | null;
}

function heartbeatMs(record: { last_heartbeat: Date | string | null }): number {
  return record.last_heartbeat === null ? -Infinity : new Date(record.last_heartbeat).getTime();
}

/** Writes the new state of each changed UAV in one statement; returns the rows, by uav_id. */
async function writeUavChanges(
  db: EntityManager,
  changes: readonly UavChange[],
  at: string,
): Promise<Uav[]> {
  if (changes.length === 0) return [];
  const rows = await returning<UavRecord>(
    db,
    `UPDATE uavs AS u SET status = c.status, last_heartbeat = c.last_heartbeat,
       current_mission_id = c.current_mission_id, position = c.position, battery = c.battery,
       version = u.version + 1, updated_at = $2
     FROM jsonb_to_recordset($1::jsonb) AS c(uav_id text, status text, last_heartbeat timestamptz,
       current_mission_id text, position jsonb, battery double precision)
     WHERE u.uav_id = c.uav_id
     RETURNING ${UAV_COLUMNS.split(', ')
       .map((column) => `u.${column}`)
       .join(', ')}`,
    [JSON.stringify(changes), at],
  );
  return rows.map(toUav).sort((a, b) => (a.uav_id < b.uav_id ? -1 : a.uav_id > b.uav_id ? 1 : 0));
}

function toChange(record: UavRecord): UavChange {
  return {
    uav_id: record.uav_id,
    status: record.status,
    last_heartbeat: record.last_heartbeat === null ? null : record.last_heartbeat.toISOString(),
    current_mission_id: record.current_mission_id,
    position: record.position,
    battery: record.battery,
  };
}

/**
 * The periodic sync: each report updates its UAV unless the UAV is unknown or the report is older
 * than the UAV's stored heartbeat. Reports are taken in order; a UAV reported twice ends with the
 * newer report. A heartbeat from an OFFLINE UAV brings it back ONLINE unless it says otherwise.
 */
async function syncUavStates(
  db: EntityManager,
  command: SyncUavStatesCommand,
  notes: FleetApplyNotes,
): Promise<FleetApplyOutcome> {
  const ids = [...new Set(command.reports.map((report) => report.uav_id))];
  const known = await loadUavs(db, ids);
  for (const record of known.values()) notes.uavStatusBefore(record.uav_id, record.status);
  const changes = new Map<string, UavChange>();
  const skipped = new Set<string>();
  for (const report of command.reports) {
    const record = known.get(report.uav_id);
    if (!record) {
      skipped.add(report.uav_id);
      continue;
    }
    const current = changes.get(report.uav_id) ?? toChange(record);
    const heartbeat = new Date(report.heartbeat_at).getTime();
    if (heartbeat < heartbeatMs(current)) {
      if (!changes.has(report.uav_id)) skipped.add(report.uav_id);
      continue;
    }
    skipped.delete(report.uav_id);
    changes.set(report.uav_id, {
      uav_id: report.uav_id,
      status: report.status ?? (current.status === 'OFFLINE' ? 'ONLINE' : current.status),
      last_heartbeat: commandTime(report.heartbeat_at),
      current_mission_id:
        report.current_mission_id === undefined
          ? current.current_mission_id
          : report.current_mission_id,
      position: report.position ?? current.position,
      battery: report.battery ?? current.battery,
    });
  }
  const updated = await writeUavChanges(db, [...changes.values()], commandTime(command.at));
  const result: SyncUavStatesResult = { updated, skipped: [...skipped].sort() };
  return applied(result);
}

/** The leader's offline decision, for the UAVs still silent since `stale_before`. */
async function markUavsOffline(
  db: EntityManager,
  command: MarkUavsOfflineCommand,
  notes: FleetApplyNotes,
): Promise<FleetApplyOutcome> {
  const ids = [...new Set(command.uav_ids)];
  const known = await loadUavs(db, ids);
  for (const record of known.values()) notes.uavStatusBefore(record.uav_id, record.status);
  const cutoff =
    command.stale_before === undefined ? Infinity : new Date(command.stale_before).getTime();
  const changes: UavChange[] = [];
  const skipped: string[] = [];
  for (const id of ids) {
    const record = known.get(id);
    if (!record || record.status === 'OFFLINE' || heartbeatMs(record) >= cutoff) {
      skipped.push(id);
      continue;
    }
    changes.push({ ...toChange(record), status: 'OFFLINE' });
  }
  const offline = await writeUavChanges(db, changes, commandTime(command.at));
  const result: MarkUavsOfflineResult = { offline, skipped: skipped.sort() };
  return applied(result);
}
