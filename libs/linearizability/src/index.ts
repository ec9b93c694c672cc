export type { Model } from './core/model';
export type { Operation, OperationStatus } from './core/operation';
export { DEFAULT_MAX_STEPS_PER_KEY, type CheckOptions } from './core/check-options';
export type {
  CheckResult,
  Counterexample,
  KeyCheckResult,
  LinearizedStep,
  Verdict,
} from './core/check-result';
export { checkLinearizability } from './core/check-linearizability';

export type { JsonObject, JsonValue } from './history/json-value';
export type { HistoryInput, HistoryOperation, ParsedHistory } from './history/history-operation';
export { HistoryParseError } from './history/history-parse-error';
export { parseHistory } from './history/parse-history';
export { OperationDecodeError } from './history/operation-decode-error';
export { decodeOperations, type OperationDecoder } from './history/decode-operations';

export {
  registerModel,
  type RegisterInput,
  type RegisterOutput,
  type RegisterValue,
} from './models/register/register-model';
export { decodeRegisterOperations } from './models/register/register-history';

export {
  CREATED_MISSION,
  MISSION_LIFECYCLE,
  MISSION_LIFECYCLE_STATES,
  MISSION_TRANSITIONS,
  isMissionLifecycleState,
  isMissionTransition,
  type MissionLifecycleState,
  type MissionTransition,
  type MissionTransitionRule,
} from './models/mission/mission-lifecycle';
export { missionModel, type MissionInput, type MissionView } from './models/mission/mission-model';
export { decodeMissionOperations } from './models/mission/mission-history';
export { checkMissionHistory } from './models/mission/check-mission-history';
