import { TELEMETRY_BODY_LIMIT } from '../telemetry/telemetry-body-limit';
import { RouteBodyLimit } from './body-limits';

/** The routes that take larger bodies than the default, with what their 413 advises. */
export const ROUTE_BODY_LIMITS: readonly RouteBodyLimit[] = [TELEMETRY_BODY_LIMIT];
