/** The Raft peer transport over gRPC. */
export { GrpcPeerTransport } from './transport';
export type { GrpcPeerTransportOptions, TransportLogger } from './transport';
export {
  DEFAULT_CLOSE_GRACE_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_BUFFERED_MESSAGES,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_MAX_PENDING_SNAPSHOT_BYTES,
  DEFAULT_SNAPSHOT_CHUNK_BYTES,
  DEFAULT_SNAPSHOT_IDLE_TIMEOUT_MS,
} from './transport';
export { DEFAULT_BACKOFF, backoffCeiling, backoffDelay } from './backoff';
export type { BackoffPolicy } from './backoff';
export { RaftCodecError, decodeMessage, encodeMessage } from './codec';
export { DEFAULT_TELEMETRY_QUEUE_BATCHES } from './telemetry-channel';
export type { PeerTelemetryChannel, TelemetryChannelStats } from './telemetry-channel';
export type { TelemetryPayloadHandler } from './telemetry-receiver';
