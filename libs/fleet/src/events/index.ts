export { FleetApplyNotes } from './apply-notes';
export { deriveFleetEvents } from './derive-fleet-events';
export {
  FLEET_EVENT_TYPES,
  fleetEventId,
  isAfter,
  missionIdOf,
  parseFleetEventId,
  uavIdsOf,
} from './fleet-event';
export type {
  FleetEvent,
  FleetEventData,
  FleetEventDraft,
  FleetEventPosition,
  FleetEventType,
  MissionEventData,
  UavCommandEventData,
  UavEventData,
} from './fleet-event';
export {
  FLEET_EVENT_PAGE_MAX,
  FLEET_EVENT_PRUNE_INTERVAL,
  FLEET_EVENT_RETENTION_ENTRIES,
  readFleetEvents,
  recordFleetEvents,
} from './fleet-event-log';
