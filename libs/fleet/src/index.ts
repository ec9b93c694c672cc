/**
 * The fleet domain (DESIGN.md, "The domain"): missions and UAVs, the commands that change them,
 * their validation, the state machine part that applies them, and the read side.
 */
export * from './model';
export {
  decodeFleetCommand,
  describeProblems,
  encodeFleetCommand,
  FLEET_COMMAND_TYPES,
  FLEET_COMMAND_VERSION,
  FleetCommandError,
} from './commands';
export type {
  CancelMissionCommand,
  CommandTimestamp,
  CreateMissionCommand,
  DeleteMissionCommand,
  DispatchMissionCommand,
  FleetCommand,
  FleetCommandType,
  MarkUavsOfflineCommand,
  MissionActionCommand,
  PauseMissionCommand,
  RegisterUavCommand,
  ReportMissionProgressCommand,
  ResumeMissionCommand,
  SyncUavStatesCommand,
  UavStateReport,
} from './commands';
export { FLEET_LIMITS, isCommandTimestamp, validateFleetCommand } from './validation';
export type { FieldProblem } from './validation';
export { missionIdForIdempotencyKey, prepareFleetCommand, SYSTEM_PROPOSER } from './prepare';
export type { FleetCommandDraft, PreparedFleetCommand, ProposerContext } from './prepare';
export { FLEET_REJECTION_CODES, httpStatusOfRejection, parseFleetRejection } from './rejection';
export type {
  FleetApplied,
  FleetApplyOutcome,
  FleetRejected,
  FleetRejectionCode,
} from './rejection';
export {
  applyFleetCommand,
  commandTime,
  FleetApplier,
  IDEMPOTENCY_RETENTION_ENTRIES,
} from './fleet-applier';
export type {
  FleetResultByType,
  MarkUavsOfflineResult,
  SyncUavStatesResult,
} from './fleet-applier';
export { FLEET_ENTITIES, FLEET_MIGRATIONS, FLEET_TABLES } from './fleet-migrations';
export {
  FleetQueryError,
  FleetReader,
  getMission,
  getMissionJson,
  getUav,
  getUavJson,
  LIST_LIMIT_DEFAULT,
  LIST_LIMIT_MAX,
  listMissions,
  listUavs,
  parseListMissionsQuery,
  parseListUavsQuery,
} from './queries';
export type { FleetQueryable, ListMissionsQuery, ListUavsQuery, Page, RecordJson } from './queries';
export * from './api';
export * from './events';
export * from './outbox';
