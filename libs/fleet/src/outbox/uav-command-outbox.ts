import type { EntityManager } from 'typeorm';
import type { FleetCommand } from '../commands';
import type { FleetApplyNotes } from '../events/apply-notes';
import { applied, FleetApplyOutcome, rejected } from '../rejection';
import { deriveUavCommands } from './derive-uav-commands';
import type { AckUavCommandCommand, FlagUavCommandCommand } from './outbox-commands';
import {
  toUavCommandRow,
  UAV_COMMAND_COLUMNS,
  UavCommandRecord,
  UavCommandRow,
} from './uav-command';

/**
 * The outbox's writes, all inside the applying entry's transaction. Storing an action's commands
 * takes one statement whatever the number of UAVs: each UAV's seq is one more than its highest so far
 * (the unique (uav_id, seq) index answers that), decided in the same INSERT.
 */
export async function recordUavCommands(
  db: EntityManager,
  command: FleetCommand,
  outcome: FleetApplyOutcome,
  logIndex: number,
): Promise<void> {
  const commands = deriveUavCommands(command, outcome, logIndex);
  if (commands.length === 0) return;
  await db.query(
    `INSERT INTO uav_commands (command_id, uav_id, seq, action, mission_id, mission, issued_at,
       log_index, state)
     SELECT c.command_id, c.uav_id,
       COALESCE((SELECT max(o.seq) FROM uav_commands o WHERE o.uav_id = c.uav_id), 0) + 1,
       c.action, c.mission_id, c.mission, c.issued_at, c.log_index, 'PENDING'
     FROM jsonb_to_recordset($1::jsonb) AS c(command_id text, uav_id text, action text,
       mission_id text, mission jsonb, issued_at timestamptz, log_index bigint)`,
    [JSON.stringify(commands)],
  );
}

async function loadCommand(
  db: EntityManager,
  commandId: string,
  uavId: string,
): Promise<UavCommandRecord | undefined> {
  const rows = await db.query<UavCommandRecord[]>(
    `SELECT ${UAV_COMMAND_COLUMNS} FROM uav_commands WHERE command_id = $1 AND uav_id = $2`,
    [commandId, uavId],
  );
  return rows[0];
}

/** Rows of an UPDATE … RETURNING (TypeORM answers those with `[rows, rowCount]`). */
async function updated(db: EntityManager, sql: string, params: unknown[]): Promise<UavCommandRow> {
  const raw = await db.query<[UavCommandRecord[], number]>(sql, params);
  return toUavCommandRow(raw[0][0]);
}

/**
 * Marks a command acknowledged. Idempotent: an acknowledged command stays as it was first
 * acknowledged. An acknowledgement naming another seq than the command's is refused (a UAV mixing up
 * its commands). A late `executed` of a FLAGGED command still counts (the UAV did run it); a late
 * `duplicate` does not: once a command is flagged the UAV's next one goes out, and a UAV that ran a
 * later seq answers `duplicate` to any lower one, run or not.
 */
export async function ackUavCommand(
  db: EntityManager,
  command: AckUavCommandCommand,
  at: string,
): Promise<FleetApplyOutcome> {
  const record = await loadCommand(db, command.command_id, command.uav_id);
  if (!record) {
    return rejected(
      'not_found',
      `UAV ${command.uav_id} has no command ${command.command_id} to acknowledge.`,
    );
  }
  if (command.seq !== undefined && command.seq !== Number(record.seq)) {
    return rejected(
      'conflict',
      `command ${command.command_id} of UAV ${command.uav_id} has seq ${record.seq}, not ${command.seq}.`,
    );
  }
  if (record.state === 'ACKED') return applied(toUavCommandRow(record));
  if (record.state === 'FLAGGED' && command.status === 'duplicate') {
    return applied(toUavCommandRow(record));
  }
  return applied(
    await updated(
      db,
      `UPDATE uav_commands SET state = 'ACKED', ack_status = $2, acked_at = $3
       WHERE command_id = $1 RETURNING ${UAV_COMMAND_COLUMNS}`,
      [command.command_id, command.status, at],
    ),
  );
}

/**
 * Gives up on a command the UAV never acknowledged: the command becomes FLAGGED (no more sends) and
 * the UAV ERROR (no new dispatch until it registers again). Nothing changes if the command was
 * acknowledged meanwhile, or was already flagged.
 */
export async function flagUavCommand(
  db: EntityManager,
  command: FlagUavCommandCommand,
  at: string,
  notes?: FleetApplyNotes,
): Promise<FleetApplyOutcome> {
  const record = await loadCommand(db, command.command_id, command.uav_id);
  if (!record) {
    return rejected('not_found', `UAV ${command.uav_id} has no command ${command.command_id}.`);
  }
  if (record.state !== 'PENDING') return applied(toUavCommandRow(record));
  const row = await updated(
    db,
    `UPDATE uav_commands SET state = 'FLAGGED', flagged_at = $2, tries = $3
     WHERE command_id = $1 RETURNING ${UAV_COMMAND_COLUMNS}`,
    [command.command_id, at, command.tries],
  );
  await db.query(
    `UPDATE uavs SET status = 'ERROR', version = version + 1, updated_at = $2
     WHERE uav_id = $1 AND status <> 'ERROR'`,
    [command.uav_id, at],
  );
  notes?.uavCommandFlagged();
  return applied(row);
}
