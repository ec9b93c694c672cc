/**
 * How large a request body each route takes. Most routes carry a command or a heartbeat of a few
 * hundred bytes; a route that needs more names its path, its limit and what a client should do
 * when it sends more, so that the 413 says it.
 */
export const DEFAULT_BODY_LIMIT_BYTES = 100 * 1024;

export interface RouteBodyLimit {
  /** The route's path as the controller declares it (no parameters, no query). */
  readonly path: string;
  readonly limitBytes: number;
  /** The 413's message: what to send instead. */
  readonly advice: string;
}

/** The route's own limit, if it has one. */
export function routeBodyLimit(
  limits: readonly RouteBodyLimit[],
  path: string,
): RouteBodyLimit | undefined {
  return limits.find((limit) => limit.path === path);
}
