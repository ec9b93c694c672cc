import type { FleetCommand } from '../commands';
import type { Mission } from '../model';
import type { FleetApplyOutcome } from '../rejection';
import type { UavCommandAction } from './uav-command';

/** A command to one UAV before its per-UAV seq is decided (in the same statement that stores it). */
export interface NewUavCommand {
  readonly command_id: string;
  readonly uav_id: string;
  readonly action: UavCommandAction;
  readonly mission_id: string;
  readonly mission: MissionDetails | null;
  readonly issued_at: string;
  readonly log_index: number;
}

/** What a UAV needs to fly a dispatched mission. */
export interface MissionDetails {
  readonly name: string;
  readonly mission_type: Mission['mission_type'];
  readonly uav_list: readonly string[];
  readonly payload: Mission['payload'];
  readonly priority: number;
}

const ACTIONS: Partial<Record<FleetCommand['type'], UavCommandAction>> = {
  DispatchMission: 'dispatch',
  PauseMission: 'pause',
  ResumeMission: 'resume',
  CancelMission: 'cancel',
};

/**
 * `<log index>-<position of the UAV in the mission's uav_list, from 1>`: unique (one command per UAV
 * per entry), the same on every node, and short whatever the UAV id's length.
 */
export function uavCommandId(logIndex: number, position: number): string {
  return `${logIndex}-${position}`;
}

/**
 * The commands an applied mission action sends to the mission's UAVs: one per UAV, in the order of
 * its `uav_list`. Derived only from the command, its outcome and the log index, never from a clock,
 * so every node derives the same. Nothing for a refused or replayed command (the first one already
 * wrote them), for other command types, or for cancelling a mission that was never dispatched (its
 * UAVs never heard of it).
 */
export function deriveUavCommands(
  command: FleetCommand,
  outcome: FleetApplyOutcome,
  logIndex: number,
): NewUavCommand[] {
  const action = ACTIONS[command.type];
  if (action === undefined || outcome.status !== 'applied' || outcome.replayed) return [];
  const mission = outcome.result as Mission;
  if (action === 'cancel' && mission.started_at === null) return [];
  const details: MissionDetails | null =
    action === 'dispatch'
      ? {
          name: mission.name,
          mission_type: mission.mission_type,
          uav_list: mission.uav_list,
          payload: mission.payload,
          priority: mission.priority,
        }
      : null;
  return mission.uav_list.map((uavId, i) => ({
    command_id: uavCommandId(logIndex, i + 1),
    uav_id: uavId,
    action,
    mission_id: mission.mission_id,
    mission: details,
    issued_at: mission.updated_at,
    log_index: logIndex,
  }));
}
