import type { MethodDefinition } from '@grpc/grpc-js';
import { raftPeerMethod, RaftCodecError } from './codec';

/** The full gRPC method path of the best-effort telemetry call. */
export const RAFT_PEER_TELEMETRY_PATH = '/falconmind.consensus.v1.RaftPeer/Telemetry';

interface WireTelemetryBatch {
  payload?: Uint8Array;
}

let method: MethodDefinition<WireTelemetryBatch, unknown> | undefined;

/** The Telemetry method, from the proto the Raft stream uses. */
function telemetryMethod(): MethodDefinition<WireTelemetryBatch, unknown> {
  method ??= raftPeerMethod<WireTelemetryBatch, unknown>('Telemetry', RAFT_PEER_TELEMETRY_PATH);
  return method;
}

/** One TelemetryBatch frame around an application payload. */
export function encodeTelemetryBatch(payload: Uint8Array): Buffer {
  return telemetryMethod().requestSerialize({ payload });
}

/** The payload of a TelemetryBatch frame. Throws {@link RaftCodecError} on a malformed frame. */
export function decodeTelemetryBatch(frame: Buffer): Uint8Array {
  let wire: WireTelemetryBatch;
  try {
    wire = telemetryMethod().requestDeserialize(frame);
  } catch (err) {
    throw new RaftCodecError(
      `malformed telemetry batch: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const payload = wire.payload;
  if (!(payload instanceof Uint8Array)) return new Uint8Array(0);
  return new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
}
