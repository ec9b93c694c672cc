import { sqlLiteral } from './sql-literal';
import type { EntityManager } from 'typeorm';
import type { CreateMissionCommand } from './commands';
import { FleetApplyNotes } from './events';
import { applied, createdDifferently, FleetApplyOutcome } from './rejection';
import { inJsonbKeyOrder } from './jsonb-key-order';
import { MISSION_COLUMNS, MissionRecord, toMission } from './rows';

/** A CreateMission of a run that passed its idempotency check, waiting for the batch's INSERT. */
export interface PendingCreate {
  /** Where its outcome goes in the run. */
  readonly at: number;
  readonly index: number;
  readonly command: CreateMissionCommand;
  /** `requestHash(command)`: also the mission's create_hash. */
  readonly hash: string;
}

/** One created (or found) mission's outcome, and what events need to know of it. */
export type CreateSettled = (
  create: PendingCreate,
  outcome: FleetApplyOutcome,
  notes: FleetApplyNotes,
) => Promise<void>;

/**
 * Consecutive CreateMissions of a run, inserted in one `INSERT … ON CONFLICT DO NOTHING RETURNING`
 * instead of a SELECT and an INSERT each. The conflict answers what the SELECT asked (does the
 * mission exist?); only missions that did exist are read, to compare their create_hash. A mission id
 * repeated within the batch is inserted by its first create; the later ones find that row, as they
 * would have one after another.
 */
export class CreateMissionBatch {
  private pending: PendingCreate[] = [];

  get size(): number {
    return this.pending.length;
  }

  add(create: PendingCreate): void {
    this.pending.push(create);
  }

  async flush(db: EntityManager, settled: CreateSettled): Promise<void> {
    const creates = this.pending;
    this.pending = [];
    if (creates.length === 0) return;
    const firsts = new Map<string, PendingCreate>();
    for (const create of creates) {
      if (!firsts.has(create.command.mission_id)) firsts.set(create.command.mission_id, create);
    }
    const inserted = await insertMissions(db, [...firsts.values()]);
    const missing = [...firsts.keys()].filter((id) => !inserted.has(id));
    const rows = new Map([...(await loadMissions(db, missing)), ...inserted]);
    for (const create of creates) {
      const id = create.command.mission_id;
      const notes = new FleetApplyNotes();
      const row = rows.get(id);
      if (row === undefined) throw new Error(`mission ${id} neither inserted nor found`);
      let outcome: FleetApplyOutcome;
      if (firsts.get(id) === create && inserted.has(id)) {
        notes.missionInserted();
        outcome = applied(toMission(row));
      } else {
        outcome =
          row.create_hash === create.hash ? applied(toMission(row)) : createdDifferently(id);
      }
      await settled(create, outcome, notes);
    }
  }
}

/** Inserts the missions that do not exist yet; gives the inserted rows by id. */
async function insertMissions(
  db: EntityManager,
  creates: readonly PendingCreate[],
): Promise<Map<string, MissionRecord>> {
  // The rows as a literal, not a parameter: a statement without parameters may carry the opening
  // of the apply transaction in its round trip (ApplyTransaction).
  const inserted = await db.query<MissionRecord[]>(
    `${insertMissionsSql(creates)}
     ON CONFLICT (mission_id) DO NOTHING
     RETURNING ${MISSION_COLUMNS}`,
  );
  return new Map(inserted.map((row) => [row.mission_id, row]));
}

/**
 * The `INSERT` of new missions, one per create, as complete SQL (the rows as a literal): without
 * `ON CONFLICT` or `RETURNING`, which a caller adds where it wants them.
 */
export function insertMissionsSql(creates: readonly PendingCreate[]): string {
  const rows = JSON.stringify(
    creates.map(({ command, hash }) => ({
      mission_id: command.mission_id,
      name: command.name,
      description: command.description ?? '',
      mission_type: command.mission_type,
      uav_list: command.uav_list,
      payload: command.payload,
      priority: command.priority,
      at: new Date(command.at).toISOString(),
      create_hash: hash,
    })),
  );
  return `INSERT INTO missions (mission_id, name, description, mission_type, uav_list, payload, state,
       progress, priority, version, created_at, updated_at, started_at, completed_at, create_hash)
     SELECT c.mission_id, c.name, c.description, c.mission_type, c.uav_list, c.payload, 'PENDING',
       0, c.priority, 1, c.at, c.at, NULL, NULL, c.create_hash
     FROM jsonb_to_recordset(${sqlLiteral(rows)}::jsonb) AS c(mission_id text, name text, description text,
       mission_type text, uav_list jsonb, payload jsonb, priority integer, at timestamptz,
       create_hash text)`;
}

/**
 * The row a create of a new mission inserts, as node-postgres would give it back: what the
 * applier answers with when it decides a create without reading the row (KnownMissionIds).
 */
export function newMissionRecord({ command, hash }: PendingCreate): MissionRecord {
  const at = new Date(command.at);
  return {
    mission_id: command.mission_id,
    name: command.name,
    description: command.description ?? '',
    mission_type: command.mission_type,
    uav_list: [...command.uav_list],
    payload: inJsonbKeyOrder(command.payload),
    state: 'PENDING',
    progress: 0,
    priority: command.priority,
    version: 1,
    created_at: at,
    updated_at: at,
    started_at: null,
    completed_at: null,
    create_hash: hash,
  };
}

async function loadMissions(
  db: EntityManager,
  ids: readonly string[],
): Promise<Map<string, MissionRecord>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query<MissionRecord[]>(
    `SELECT ${MISSION_COLUMNS} FROM missions WHERE mission_id = ANY($1::text[])`,
    [ids],
  );
  return new Map(rows.map((row) => [row.mission_id, row]));
}
