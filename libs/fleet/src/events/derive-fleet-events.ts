import type { FleetCommand } from '../commands';
import type { MarkUavsOfflineResult, SyncUavStatesResult } from '../fleet-applier';
import type { Mission, Uav } from '../model';
import type { UavCommandRow } from '../outbox/uav-command';
import type { FleetApplyOutcome } from '../rejection';
import type { FleetApplyNotes } from './apply-notes';
import type {
  FleetEventDraft,
  FleetEventType,
  MissionEventData,
  UavCommandEventData,
  UavEventData,
} from './fleet-event';

/**
 * The events one applied command produced, in order. A rejected command and a replayed one (an
 * idempotent repeat) changed nothing and produce none. Pure: the same command, outcome and notes
 * give the same events on every node.
 */
export function deriveFleetEvents(
  command: FleetCommand,
  outcome: FleetApplyOutcome,
  notes: FleetApplyNotes,
): FleetEventDraft[] {
  if (outcome.status !== 'applied' || outcome.replayed === true) return [];
  switch (command.type) {
    case 'CreateMission':
      return notes.insertedMission ? [missionEvent('mission_created', outcome.result)] : [];
    case 'DispatchMission':
      return [missionEvent('mission_dispatched', outcome.result)];
    case 'PauseMission':
      return [missionEvent('mission_paused', outcome.result)];
    case 'ResumeMission':
      return [missionEvent('mission_resumed', outcome.result)];
    case 'CancelMission':
      return [missionEvent('mission_cancelled', outcome.result)];
    case 'ReportMissionProgress':
      return [missionEvent(progressEventType(command.state), outcome.result)];
    case 'DeleteMission':
      return [missionEvent('mission_deleted', outcome.result)];
    case 'RegisterUav':
      return registrationEvents(outcome.result as Uav, notes);
    case 'SyncUavStates':
      return (outcome.result as SyncUavStatesResult).updated.flatMap((uav) =>
        statusChangeEvents(uav, notes.previousStatus(uav.uav_id)),
      );
    case 'MarkUavsOffline':
      // Only UAVs that were not OFFLINE are in `offline`: each one went offline here.
      return (outcome.result as MarkUavsOfflineResult).offline.map((uav) =>
        uavEvent('uav_offline', uav, notes.previousStatus(uav.uav_id) ?? null),
      );
    case 'FlagUavCommand':
      // Flagging an already flagged or acknowledged command changed nothing.
      return notes.flaggedUavCommand ? [uavCommandEvent(outcome.result as UavCommandRow)] : [];
    default:
      // Commands that change no mission's or UAV's public state produce no event.
      return [];
  }
}

function progressEventType(state: 'SUCCEEDED' | 'FAILED' | undefined): FleetEventType {
  if (state === 'SUCCEEDED') return 'mission_succeeded';
  if (state === 'FAILED') return 'mission_failed';
  return 'mission_progress';
}

function registrationEvents(uav: Uav, notes: FleetApplyNotes): FleetEventDraft[] {
  const previous = notes.previousStatus(uav.uav_id) ?? null;
  return [uavEvent('uav_registered', uav, previous), ...statusChangeEvents(uav, previous)];
}

/** uav_online when a UAV leaves OFFLINE, uav_offline when it enters it; nothing otherwise. */
function statusChangeEvents(
  uav: Uav,
  previous: Uav['status'] | null | undefined,
): FleetEventDraft[] {
  if (previous === undefined || previous === null) return [];
  if (previous === 'OFFLINE' && uav.status !== 'OFFLINE') {
    return [uavEvent('uav_online', uav, previous)];
  }
  if (previous !== 'OFFLINE' && uav.status === 'OFFLINE') {
    return [uavEvent('uav_offline', uav, previous)];
  }
  return [];
}

function missionEvent(type: FleetEventType, result: unknown): FleetEventDraft {
  const mission = result as Mission;
  const data: MissionEventData = {
    mission_id: mission.mission_id,
    name: mission.name,
    mission_type: mission.mission_type,
    uav_list: mission.uav_list,
    state: mission.state,
    progress: mission.progress,
    priority: mission.priority,
    version: mission.version,
    updated_at: mission.updated_at,
    started_at: mission.started_at,
    completed_at: mission.completed_at,
  };
  return { type, data };
}

function uavCommandEvent(row: UavCommandRow): FleetEventDraft {
  const data: UavCommandEventData = {
    uav_id: row.uav_id,
    command_id: row.command_id,
    seq: row.seq,
    action: row.action,
    mission_id: row.mission_id,
    issued_at: row.issued_at,
    flagged_at: row.flagged_at,
    tries: row.tries,
  };
  return { type: 'uav_command_flagged', data };
}

function uavEvent(type: FleetEventType, uav: Uav, previous: Uav['status'] | null): FleetEventDraft {
  const data: UavEventData = {
    uav_id: uav.uav_id,
    status: uav.status,
    previous_status: previous,
    current_mission_id: uav.current_mission_id,
    last_heartbeat: uav.last_heartbeat,
    version: uav.version,
    updated_at: uav.updated_at,
  };
  return { type, data };
}
