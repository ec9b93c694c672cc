import * as grpc from '@grpc/grpc-js';

/** An inbound call of the peer service: frames both ways are raw buffers. */
export type InboundCall = grpc.ServerDuplexStream<Buffer, Buffer>;

/** Ends a call with an error status. */
export function endWithStatus(call: InboundCall, code: grpc.status, details: string): void {
  // grpc-js turns an 'error' on a server stream into the call's final status.
  const error: Partial<grpc.StatusObject> & Error = Object.assign(new Error(details), {
    code,
    details,
  });
  call.emit('error', error);
}

/** Ends a call with OK, unless it has already ended. */
export function endQuietly(call: InboundCall): void {
  try {
    if (!call.writableEnded) call.end();
  } catch (_err) {
    // Already finished or cancelled: nothing left to end.
  }
}

/**
 * Takes `call` as `sender`'s call in `calls`: a peer keeps one call of a kind to us, so a new one
 * means its older one is dead on its side; that one is ended and forgotten.
 */
export function replaceCallOf<Sender>(
  calls: Map<InboundCall, Sender>,
  call: InboundCall,
  sender: Sender,
): void {
  for (const [other, otherSender] of calls) {
    if (otherSender === sender) {
      calls.delete(other);
      endQuietly(other);
    }
  }
  calls.set(call, sender);
}
