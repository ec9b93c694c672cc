import type { Model } from '../../core/model';
import {
  CREATED_MISSION,
  MISSION_LIFECYCLE,
  type MissionLifecycleState,
  type MissionTransition,
} from './mission-lifecycle';

/**
 * A mission as a linearizable read sees it; also the model's state per mission id, and the output
 * of every `ok` operation (create and the transitions answer with the mission after them).
 */
export type MissionView =
  | { readonly found: false }
  | { readonly found: true; readonly state: MissionLifecycleState; readonly version: number };

export type MissionInput =
  | { readonly key: string; readonly f: 'create' | 'read' }
  | {
      readonly key: string;
      readonly f: MissionTransition;
      /** The version the client expects; the command is refused on any other. */
      readonly ifMatch?: number;
    };

const ABSENT: MissionView = { found: false };

/**
 * The fleet's missions, one per key (the mission id). `create` is idempotent (the workload always
 * sends the same body for an id, so a retry answers the mission as it is); each transition bumps
 * the version by one; `read` changes nothing.
 */
export const missionModel: Model<MissionView, MissionInput, MissionView> = {
  init: () => ABSENT,

  step(mission, input, output) {
    const next = nextMission(mission, input);
    if (next === undefined) return undefined;
    if (output !== undefined && !sameMission(output, next)) return undefined;
    return next;
  },

  key: (input) => input.key,

  stateKey: (mission) => (mission.found ? `${mission.state}@${mission.version}` : 'absent'),

  describeOperation(input, output) {
    const condition =
      'ifMatch' in input && input.ifMatch !== undefined ? ` if_match=${input.ifMatch}` : '';
    return `${input.f} ${input.key}${condition} -> ${output === undefined ? '?' : describeMission(output)}`;
  },

  describeState: describeMission,
};

function nextMission(mission: MissionView, input: MissionInput): MissionView | undefined {
  switch (input.f) {
    case 'read':
      return mission;
    case 'create':
      return mission.found ? mission : { found: true, ...CREATED_MISSION };
    default: {
      if (!mission.found) return undefined;
      const rule = MISSION_LIFECYCLE[input.f];
      if (!rule.from.includes(mission.state)) return undefined;
      if (input.ifMatch !== undefined && input.ifMatch !== mission.version) return undefined;
      return { found: true, state: rule.to, version: mission.version + 1 };
    }
  }
}

function sameMission(a: MissionView, b: MissionView): boolean {
  if (!a.found || !b.found) return a.found === b.found;
  return a.state === b.state && a.version === b.version;
}

function describeMission(mission: MissionView): string {
  return mission.found ? `${mission.state} v${mission.version}` : 'absent';
}
