import type { NodeId, RaftLogger } from '@falconmind/raft';
import { encodeAccepted } from './codec';
import { InboundCall, endQuietly, replaceCallOf } from './server-calls';
import { decodeTelemetryBatch } from './telemetry-codec';

/** Where received telemetry payloads go, with the node that sent them. */
export type TelemetryPayloadHandler = (from: NodeId, payload: Uint8Array) => void;

export interface TelemetryReceiverOptions {
  readonly nodeId: NodeId;
  readonly logger: RaftLogger;
  readonly deliver: TelemetryPayloadHandler;
}

/**
 * Serves admitted Telemetry calls: answers each with the acceptance frame, then hands every batch's
 * payload on. A malformed batch costs only itself; a handler that throws is logged, never fatal.
 */
export class TelemetryReceiver {
  private readonly calls = new Map<InboundCall, NodeId>();

  constructor(private readonly options: TelemetryReceiverOptions) {}

  handle(call: InboundCall, sender: NodeId): void {
    replaceCallOf(this.calls, call, sender);
    const forget = (): void => {
      this.calls.delete(call);
    };
    call.on('error', forget);
    call.on('cancelled', forget);
    call.on('close', forget);
    call.on('end', () => {
      forget();
      endQuietly(call);
    });
    call.on('data', (frame: Buffer) => this.receive(sender, frame));
    call.write(encodeAccepted(this.options.nodeId));
  }

  /** Ends every open call (the node is stopping). */
  close(): void {
    for (const call of [...this.calls.keys()]) endQuietly(call);
    this.calls.clear();
  }

  private receive(sender: NodeId, frame: Buffer): void {
    const { logger } = this.options;
    let payload: Uint8Array;
    try {
      payload = decodeTelemetryBatch(frame);
    } catch (err) {
      logger.debug('dropped a malformed telemetry batch', {
        from: sender,
        error: err instanceof Error ? err.message : String(err),
      });
      return;
    }
    try {
      this.options.deliver(sender, payload);
    } catch (err) {
      logger.warn('a telemetry handler threw', {
        from: sender,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
}
