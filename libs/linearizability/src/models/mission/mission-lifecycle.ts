/**
 * The mission lifecycle as the checker's model knows it. It is this library's own copy, written
 * from the fleet's specification rather than imported, so that the checker judges the fleet code
 * instead of agreeing with it by construction.
 */
export const MISSION_LIFECYCLE_STATES = [
  'PENDING',
  'RUNNING',
  'PAUSED',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
] as const;
export type MissionLifecycleState = (typeof MISSION_LIFECYCLE_STATES)[number];

/** The client commands that move a mission from state to state. */
export const MISSION_TRANSITIONS = ['dispatch', 'pause', 'resume', 'cancel'] as const;
export type MissionTransition = (typeof MISSION_TRANSITIONS)[number];

export interface MissionTransitionRule {
  readonly from: readonly MissionLifecycleState[];
  readonly to: MissionLifecycleState;
}

/**
 * Which states each command leaves and where it leads. SUCCEEDED and FAILED come from UAV progress
 * reports, which the client workload does not issue, so no command here leads to them.
 */
export const MISSION_LIFECYCLE: Readonly<Record<MissionTransition, MissionTransitionRule>> = {
  dispatch: { from: ['PENDING'], to: 'RUNNING' },
  pause: { from: ['RUNNING'], to: 'PAUSED' },
  resume: { from: ['PAUSED'], to: 'RUNNING' },
  cancel: { from: ['PENDING', 'RUNNING', 'PAUSED'], to: 'CANCELLED' },
};

/** A created mission starts here. */
export const CREATED_MISSION = { state: 'PENDING', version: 1 } as const;

export function isMissionLifecycleState(value: unknown): value is MissionLifecycleState {
  return MISSION_LIFECYCLE_STATES.some((state) => state === value);
}

export function isMissionTransition(value: unknown): value is MissionTransition {
  return MISSION_TRANSITIONS.some((transition) => transition === value);
}
