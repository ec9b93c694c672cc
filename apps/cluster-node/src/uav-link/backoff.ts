/**
 * The link's two schedules, as pure functions of the attempt number (the callers own the clock).
 */

/** A command is sent again 2 s after its first send, then after 4, 8, … s, capped at 64 s. */
export const COMMAND_RESEND_BASE_MS = 2_000;
export const COMMAND_RESEND_MAX_DELAY_MS = 64_000;
/**
 * Sends of one command before the leader gives up and flags its UAV. With the cap above, about
 * 6.5 minutes after the first send (uncapped doubling would wait 34 minutes).
 */
export const COMMAND_MAX_TRIES = 10;

/** Milliseconds to wait after the `tries`-th send (1-based) before sending again or giving up. */
export function commandResendDelayMs(tries: number): number {
  return Math.min(COMMAND_RESEND_BASE_MS * 2 ** (tries - 1), COMMAND_RESEND_MAX_DELAY_MS);
}

/** Reconnecting to the broker: 0.5 s, doubling up to 30 s, each with up to 20 % less at random. */
export const RECONNECT_BASE_MS = 500;
export const RECONNECT_MAX_MS = 30_000;

/**
 * The wait before reconnect attempt `attempt` (1-based). `random` in [0, 1) spreads the nodes'
 * attempts so that they do not all reconnect at once after a broker restart.
 */
export function reconnectDelayMs(attempt: number, random: number): number {
  const ceiling = Math.min(RECONNECT_BASE_MS * 2 ** (attempt - 1), RECONNECT_MAX_MS);
  return Math.round(ceiling * (1 - 0.2 * random));
}
