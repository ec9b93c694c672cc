import type { MissionLifecycleState, MissionTransition } from '../models/mission/mission-lifecycle';
import type { MissionInput, MissionView } from '../models/mission/mission-model';

/** Terse inputs and outputs for hand-written mission histories. */
export const create = (key = 'm-1'): MissionInput => ({ key, f: 'create' });
export const read = (key = 'm-1'): MissionInput => ({ key, f: 'read' });
export const command = (f: MissionTransition, ifMatch?: number, key = 'm-1'): MissionInput =>
  ifMatch === undefined ? { key, f } : { key, f, ifMatch };
export const mission = (state: MissionLifecycleState, version: number): MissionView => ({
  found: true,
  state,
  version,
});
export const absent: MissionView = { found: false };
