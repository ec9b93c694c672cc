/**
 * The largest message taken from a UAV (a batch of a few hundred telemetry samples fits). Larger
 * ones are dropped as bad payloads; the broker is asked not to send them at all.
 */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

/** Bad payloads logged per minute at most (a broken UAV must not flood the log). */
export const BAD_PAYLOAD_LOG_PER_MINUTE = 20;

/**
 * Uplink messages (mission status, acks, events) handled at once: each may wait on the database and
 * on Raft for seconds; beyond this they are shed and counted (the UAV's own resends recover them).
 */
export const MAX_UPLINK_IN_FLIGHT = 256;
