import type { CheckOptions } from '../../core/check-options';
import type { CheckResult } from '../../core/check-result';
import { checkLinearizability } from '../../core/check-linearizability';
import { parseHistory } from '../../history/parse-history';
import { decodeMissionOperations } from './mission-history';
import type { MissionInput, MissionView } from './mission-model';
import { missionModel } from './mission-model';

/** Parses a JSON-lines mission history and checks it against `missionModel`, in one call. */
export function checkMissionHistory(
  history: string | Iterable<string>,
  options?: CheckOptions,
): CheckResult<MissionInput, MissionView> {
  const operations = decodeMissionOperations(parseHistory(history).operations);
  return checkLinearizability(missionModel, operations, options);
}
