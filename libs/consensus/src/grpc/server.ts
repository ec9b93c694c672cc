import * as grpc from '@grpc/grpc-js';
import type { Message, NodeId, RaftLogger } from '@falconmind/raft';
import { StreamAdmission } from './auth';
import {
  RAFT_PEER_INSTALL_SNAPSHOT_PATH,
  RAFT_PEER_STREAM_PATH,
  decodeMessage,
  encodeAccepted,
} from './codec';
import { InboundCall, endQuietly, endWithStatus, replaceCallOf } from './server-calls';
import type { SnapshotReceiver } from './snapshot-receiver';
import { RAFT_PEER_TELEMETRY_PATH } from './telemetry-codec';
import type { TelemetryReceiver } from './telemetry-receiver';

/** Frames cross grpc-js as raw buffers; the codec runs in the handlers so a bad frame costs one message. */
const passThrough = (frame: Buffer): Buffer => frame;

/** The peer service, with frames passed through undecoded (see {@link passThrough}). */
export const RAFT_PEER_SERVICE: grpc.ServiceDefinition = {
  Stream: {
    path: RAFT_PEER_STREAM_PATH,
    requestStream: true,
    responseStream: true,
    requestSerialize: passThrough,
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
  },
  InstallSnapshot: {
    path: RAFT_PEER_INSTALL_SNAPSHOT_PATH,
    requestStream: true,
    responseStream: true,
    requestSerialize: passThrough,
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
  },
  Telemetry: {
    path: RAFT_PEER_TELEMETRY_PATH,
    requestStream: true,
    responseStream: true,
    requestSerialize: passThrough,
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
  },
};

type InboundStream = InboundCall;

export interface RaftPeerServerOptions {
  readonly nodeId: NodeId;
  readonly admission: StreamAdmission;
  readonly logger: RaftLogger;
  readonly credentials: grpc.ServerCredentials;
  readonly serverOptions: grpc.ServerOptions;
  /** Called for each well-formed message addressed to this node by the stream's own sender. */
  readonly deliver: (message: Message) => void;
  /** Serves the admitted InstallSnapshot calls (it delivers what they complete itself). */
  readonly snapshots: SnapshotReceiver;
  /** Serves the admitted Telemetry calls (best-effort data outside Raft). */
  readonly telemetry: TelemetryReceiver;
}

/**
 * The receiving half of the transport: admits peer streams and snapshot transfers, and hands their
 * messages on.
 */
export class RaftPeerServer {
  private server: grpc.Server | undefined;
  /** Open inbound streams and the node each one was admitted as. */
  private readonly inbound = new Map<InboundStream, NodeId>();

  constructor(private readonly options: RaftPeerServerOptions) {}

  /** Binds `host:port` (port 0 picks a free one) and resolves to the bound port. */
  async listen(host: string, port: number): Promise<number> {
    if (this.server !== undefined) throw new Error('the Raft peer server is already listening');
    const server = new grpc.Server(this.options.serverOptions);
    server.addService(RAFT_PEER_SERVICE, {
      Stream: (call: InboundStream) => this.handle(call),
      InstallSnapshot: (call: InboundStream) => this.handleSnapshot(call),
      Telemetry: (call: InboundStream) => this.handleTelemetry(call),
    });
    this.server = server;
    try {
      return await new Promise<number>((resolve, reject) => {
        server.bindAsync(hostPort(host, port), this.options.credentials, (err, boundPort) =>
          err ? reject(err) : resolve(boundPort),
        );
      });
    } catch (err) {
      this.server = undefined;
      server.forceShutdown();
      throw err;
    }
  }

  /**
   * Ends every inbound stream with OK (senders then reconnect elsewhere or retry) and shuts the
   * server down, forcibly once `graceMs` has passed.
   */
  async close(graceMs: number): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const call of [...this.inbound.keys()]) endQuietly(call);
    this.inbound.clear();
    this.options.snapshots.close();
    this.options.telemetry.close();
    if (server === undefined) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, graceMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * Checks a call's opening, the same way for both RPCs: returns the sender of an admitted call, and
   * ends a refused one.
   */
  private admit(call: InboundStream, rpc: string): NodeId | undefined {
    const { logger } = this.options;
    if (this.server === undefined) {
      endWithStatus(call, grpc.status.UNAVAILABLE, 'node is shutting down');
      return undefined;
    }
    const admission = this.options.admission.check(call.metadata);
    if (!admission.ok) {
      logger.warn('refused a peer stream', {
        rpc,
        reason: admission.reason,
        code: grpc.status[admission.code],
        peer: call.getPeer(),
        claimedNodeId: admission.nodeId,
        claimedClusterId: admission.clusterId,
      });
      // A refused sender learns only the category of an authentication failure, not its detail.
      const details =
        admission.code === grpc.status.UNAUTHENTICATED
          ? 'peer stream not authenticated'
          : admission.reason;
      endWithStatus(call, admission.code, details);
      return undefined;
    }
    return admission.nodeId;
  }

  private handleSnapshot(call: InboundStream): void {
    const sender = this.admit(call, 'InstallSnapshot');
    if (sender !== undefined) this.options.snapshots.handle(call, sender);
  }

  private handleTelemetry(call: InboundStream): void {
    const sender = this.admit(call, 'Telemetry');
    if (sender !== undefined) this.options.telemetry.handle(call, sender);
  }

  private handle(call: InboundStream): void {
    const { logger } = this.options;
    const sender = this.admit(call, 'Stream');
    if (sender === undefined) return;

    replaceCallOf(this.inbound, call, sender);
    const forget = (): void => {
      this.inbound.delete(call);
    };
    call.on('error', (err: Error) => {
      forget();
      logger.debug('peer stream failed', { from: sender, error: err.message });
    });
    call.on('cancelled', forget);
    call.on('close', forget);
    call.on('end', () => {
      forget();
      endQuietly(call);
    });
    call.on('data', (frame: Buffer) => this.receive(sender, frame));
    logger.info('accepted a peer stream', { from: sender, peer: call.getPeer() });
    call.write(encodeAccepted(this.options.nodeId));
  }

  private receive(sender: NodeId, frame: Buffer): void {
    const { logger, nodeId } = this.options;
    let message: Message;
    try {
      message = decodeMessage(frame);
    } catch (err) {
      logger.warn('dropped an undecodable peer message', {
        from: sender,
        bytes: frame.length,
        error: err instanceof Error ? err.message : String(err),
      });
      return;
    }
    if (message.to !== nodeId) {
      logger.warn('dropped a peer message addressed to another node', {
        from: sender,
        to: message.to,
        type: message.type,
      });
      return;
    }
    if (message.from !== sender) {
      logger.warn('dropped a peer message whose sender differs from the stream', {
        from: message.from,
        streamFrom: sender,
        type: message.type,
      });
      return;
    }
    this.options.deliver(message);
  }
}

/** `host:port`, bracketing a bare IPv6 address. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}
