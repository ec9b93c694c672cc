import { loadSync } from '@grpc/proto-loader';
import type { MethodDefinition } from '@grpc/grpc-js';
import { RAFT_PEER_PROTO_PATH, RaftCodecError } from './codec';

/** The full gRPC method path of the best-effort telemetry call. */
export const RAFT_PEER_TELEMETRY_PATH = '/falconmind.consensus.v1.RaftPeer/Telemetry';

interface WireTelemetryBatch {
  payload?: Uint8Array;
}

let method: MethodDefinition<WireTelemetryBatch, unknown> | undefined;

/** Loads the Telemetry method from the proto once, on first use. */
function telemetryMethod(): MethodDefinition<WireTelemetryBatch, unknown> {
  if (method === undefined) {
    const definition = loadSync(RAFT_PEER_PROTO_PATH, {
      keepCase: false,
      longs: Number,
      enums: String,
      defaults: false,
      arrays: false,
      oneofs: false,
    });
    const service = definition['falconmind.consensus.v1.RaftPeer'] as
      Record<string, MethodDefinition<unknown, unknown>> | undefined;
    const found = service?.Telemetry;
    if (found === undefined || found.path !== RAFT_PEER_TELEMETRY_PATH) {
      throw new Error(`${RAFT_PEER_PROTO_PATH} does not define ${RAFT_PEER_TELEMETRY_PATH}`);
    }
    method = found as MethodDefinition<WireTelemetryBatch, unknown>;
  }
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
