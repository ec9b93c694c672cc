/** The UAV link's replicated command outbox (docs/uav-link.md). */
export * from './uav-command';
export * from './outbox-commands';
export { deriveUavCommands, uavCommandId } from './derive-uav-commands';
export type { MissionDetails, NewUavCommand } from './derive-uav-commands';
export { ackUavCommand, flagUavCommand, recordUavCommands } from './uav-command-outbox';
export { pendingUavCommandHeads, uavCommandMissions, uavCommandsOf } from './outbox-queries';
export type { UavCommandHead, UavCommandHeadsPage } from './outbox-queries';
