import type { CommitTail, CommittedCommand } from '@falconmind/consensus';
import type { EntityManager } from 'typeorm';
import { decodeFleetCommand, FleetCommand, FleetCommandError } from './commands';
import {
  CreateMissionBatch,
  insertMissionsSql,
  newMissionRecord,
  PendingCreate,
} from './create-mission-batch';
import { deriveFleetEvents, FleetApplyNotes } from './events';
import { FleetEventBuffer } from './events/fleet-event-buffer';
import { answerFromStore, requestHash, RunIdempotencyKeys } from './idempotency-keys';
import type { KnownMissionIds } from './known-mission-ids';
import { recordUavCommands } from './outbox';
import { applied, FleetApplyOutcome, rejected } from './rejection';
import { toMission } from './rows';

/**
 * Applies one valid command's own change (no idempotency key, events or outbox rows): the
 * applier's, passed in so that this file and the applier do not import each other.
 */
export type ApplyOneCommand = (
  db: EntityManager,
  command: FleetCommand,
  notes: FleetApplyNotes,
) => Promise<FleetApplyOutcome>;

/** A command of the run, decoded, or the rejection of a payload that is not one. */
type DecodedCommand =
  | { readonly index: number; readonly command: FleetCommand }
  | { readonly index: number; readonly invalid: FleetApplyOutcome };

function decode({ entry, envelope }: CommittedCommand): DecodedCommand {
  try {
    return { index: entry.index, command: decodeFleetCommand(envelope.payload) };
  } catch (error) {
    if (error instanceof FleetCommandError) {
      return { index: entry.index, invalid: rejected('invalid', `${error.message}.`) };
    }
    throw error;
  }
}

function keyOf(command: FleetCommand): string | undefined {
  return 'idempotency_key' in command ? command.idempotency_key : undefined;
}

/**
 * Applies a run of consecutive commands with the result of applying them one after another
 * (`FleetApplier.apply`), in fewer statements: the run's idempotency keys are read in one SELECT
 * and written in one INSERT, its events in one INSERT, and consecutive CreateMissions in one
 * INSERT. Everything else a command reads (missions, UAVs, the outbox) is written before the next
 * command reads it, so each decision sees what it would have seen.
 *
 * With `knownIds` (the ids in `missions`), a create without an idempotency key whose id is new is
 * decided without PostgreSQL: its mission is built from the command, and its INSERT waits for the
 * next command that reads the tables, or goes with the COMMIT. A run of such creates then costs a
 * single round trip, and its outcomes are known before it.
 */
export async function applyFleetRun(
  db: EntityManager,
  commands: readonly CommittedCommand[],
  applyCommand: ApplyOneCommand,
  atCommit: CommitTail,
  knownIds?: KnownMissionIds,
): Promise<FleetApplyOutcome[]> {
  const decoded = commands.map(decode);
  const outcomes: FleetApplyOutcome[] = new Array<FleetApplyOutcome>(commands.length);
  const keys = new RunIdempotencyKeys();
  const events = new FleetEventBuffer();
  const creates = new CreateMissionBatch();
  /** Keys of the creates waiting in `creates`: a second use must see the first one's outcome. */
  const keysOfCreates = new Set<string>();
  /** Creates decided through `knownIds` whose INSERT has not been sent. */
  const decidedCreates: PendingCreate[] = [];

  const settle = async (
    at: number,
    index: number,
    command: FleetCommand,
    outcome: FleetApplyOutcome,
    notes: FleetApplyNotes,
    hash: string | undefined,
  ): Promise<void> => {
    outcomes[at] = outcome;
    const key = keyOf(command);
    if (key !== undefined && hash !== undefined && outcome.status === 'applied') {
      if (outcome.replayed !== true) keys.record(key, hash, outcome.result, index);
    }
    events.add(index, deriveFleetEvents(command, outcome, notes));
    await recordUavCommands(db, command, outcome, index);
    if (command.type === 'CreateMission' && notes.insertedMission) {
      knownIds?.added(command.mission_id);
    }
    if (
      command.type === 'DeleteMission' &&
      outcome.status === 'applied' &&
      outcome.replayed !== true
    ) {
      knownIds?.deleted(command.mission_id);
    }
  };
  /** Sends the INSERT of the decided creates: before anything reads the tables. */
  const insertDecidedCreates = async (): Promise<void> => {
    if (decidedCreates.length === 0) return;
    const sql = insertMissionsSql(decidedCreates);
    decidedCreates.length = 0;
    await db.query(sql);
  };
  const flushCreates = async (): Promise<void> => {
    keysOfCreates.clear();
    await creates.flush(db, (create: PendingCreate, outcome, notes) =>
      settle(create.at, create.index, create.command, outcome, notes, create.hash),
    );
  };

  const runKeys = new Set<string>();
  for (const item of decoded) {
    const key = 'command' in item ? keyOf(item.command) : undefined;
    if (key !== undefined) runKeys.add(key);
  }
  await keys.prefetch(db, [...runKeys]);
  await knownIds?.load(db);

  for (let at = 0; at < decoded.length; at++) {
    const item = decoded[at];
    if (!('command' in item)) {
      outcomes[at] = item.invalid;
      continue;
    }
    const { index, command } = item;
    const key = keyOf(command);
    const hash =
      key !== undefined || command.type === 'CreateMission' ? requestHash(command) : undefined;
    if (command.type === 'CreateMission' && key === undefined && knownIds !== undefined) {
      // The creates waiting in `creates` are not in `knownIds` until they are settled.
      if (creates.size > 0) await flushCreates();
      if (hash !== undefined && knownIds.isNew(command.mission_id)) {
        const create: PendingCreate = { at, index, command, hash };
        decidedCreates.push(create);
        const notes = new FleetApplyNotes();
        notes.missionInserted();
        await settle(at, index, command, applied(toMission(newMissionRecord(create))), notes, hash);
        continue;
      }
    }
    await insertDecidedCreates();
    if (
      command.type !== 'CreateMission' ||
      (key !== undefined &&
        (keysOfCreates.has(key) || keys.isHeld(key) || keys.mayBePrunedBy(key, index)))
    ) {
      // The waiting creates decide what this command finds: they go first.
      await flushCreates();
    }
    if (key !== undefined && hash !== undefined) {
      const stored = await keys.lookup(db, key);
      if (stored !== undefined) {
        await settle(
          at,
          index,
          command,
          answerFromStore(command, key, hash, stored),
          new FleetApplyNotes(),
          hash,
        );
        continue;
      }
    }
    if (command.type === 'CreateMission' && hash !== undefined) {
      creates.add({ at, index, command, hash });
      if (key !== undefined) keysOfCreates.add(key);
      continue;
    }
    const notes = new FleetApplyNotes();
    const outcome = await applyCommand(db, command, notes);
    await settle(at, index, command, outcome, notes, hash);
  }
  await flushCreates();
  await keys.flush(db);
  // Nothing reads these missions or the events back while the batch applies: they go with its
  // COMMIT. The INSERT has no ON CONFLICT: an id `knownIds` wrongly took for new fails the batch.
  if (decidedCreates.length > 0) atCommit.add(insertMissionsSql(decidedCreates));
  for (const statement of events.take()) atCommit.add(statement);
  return outcomes;
}
