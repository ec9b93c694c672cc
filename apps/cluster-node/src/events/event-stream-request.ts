import {
  FLEET_EVENT_TYPES,
  FleetEventPosition,
  FleetEventType,
  parseFleetEventId,
} from '@falconmind/fleet';
import { ApiError, FieldProblem } from '../common/api-error';

/** The UAV ids one stream may ask telemetry for. */
export const TELEMETRY_UAVS_MAX = 100;

/** What a subscriber asked for: which events, from where, and telemetry of which UAVs. */
export interface EventStreamRequest {
  /** Only these types; all when undefined. */
  readonly types?: ReadonlySet<FleetEventType>;
  readonly missionIds?: ReadonlySet<string>;
  readonly uavIds?: ReadonlySet<string>;
  /** Resume strictly after this event; live from now when undefined. */
  readonly after?: FleetEventPosition;
  /** UAVs whose telemetry samples the stream carries as well. */
  readonly telemetryUavs: ReadonlySet<string>;
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * Reads `?types=&mission_id=&uav_id=&telemetry=&from_index=` and the `Last-Event-ID` header.
 * Comma-separated lists; the header wins over `from_index` (a browser's EventSource resends the
 * header on reconnect while its URL keeps the first `from_index`). Throws a 400 naming each field.
 */
export function parseEventStreamRequest(
  query: Record<string, unknown>,
  lastEventId: string | undefined,
): EventStreamRequest {
  const problems: FieldProblem[] = [];
  const list = (field: string): string[] | undefined => {
    const value = query[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      problems.push({ field, reason: 'must be given once, as a comma-separated list' });
      return undefined;
    }
    const items = value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
    if (items.length === 0) problems.push({ field, reason: 'must name at least one value' });
    return items;
  };
  const ids = (field: string, max = Infinity): Set<string> | undefined => {
    const items = list(field);
    if (items === undefined) return undefined;
    const bad = items.filter((item) => !ID_PATTERN.test(item));
    if (bad.length > 0) {
      problems.push({
        field,
        reason: `${JSON.stringify(bad[0])} is not an id (letters, digits and . _ : -, at most 128)`,
      });
    }
    if (items.length > max) problems.push({ field, reason: `at most ${max} ids` });
    return new Set(items);
  };

  let types: Set<FleetEventType> | undefined;
  const typeNames = list('types');
  if (typeNames !== undefined) {
    const unknown = typeNames.filter((t) => !FLEET_EVENT_TYPES.includes(t as FleetEventType));
    if (unknown.length > 0) {
      problems.push({
        field: 'types',
        reason: `unknown type ${JSON.stringify(unknown[0])}; one of ${FLEET_EVENT_TYPES.join(', ')}`,
      });
    }
    types = new Set(typeNames as FleetEventType[]);
  }
  const missionIds = ids('mission_id');
  const uavIds = ids('uav_id');
  const telemetryUavs = ids('telemetry', TELEMETRY_UAVS_MAX) ?? new Set<string>();

  let after: FleetEventPosition | undefined;
  const resumeFrom = (field: string, text: unknown): void => {
    if (typeof text !== 'string') {
      problems.push({ field, reason: 'must be given once' });
      return;
    }
    after = parseFleetEventId(text);
    if (after === undefined) {
      problems.push({
        field,
        reason: 'must be an event id ("<log index>-<position>") or a log index',
      });
    }
  };
  if (lastEventId !== undefined && lastEventId.trim() !== '') {
    resumeFrom('Last-Event-ID', lastEventId);
  } else if (query.from_index !== undefined) {
    resumeFrom('from_index', query.from_index);
  }

  if (problems.length > 0) throw ApiError.badRequest(problems);
  return { types, missionIds, uavIds, after, telemetryUavs };
}
