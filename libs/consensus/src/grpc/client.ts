import * as grpc from '@grpc/grpc-js';
import type { NodeId, RaftLogger, RandomSource, Unreachability } from '@falconmind/raft';
import type { PeerEndpoint } from '../transport';
import { openingMetadata } from './auth';
import { BackoffPolicy, backoffDelay } from './backoff';
import { RAFT_PEER_STREAM_PATH, decodeAccepted } from './codec';
import { hostPort } from './server';

type OutboundStream = grpc.ClientDuplexStream<Buffer, Buffer>;

const passThrough = (frame: Buffer): Buffer => frame;

export interface PeerLinkOptions {
  readonly localNodeId: NodeId;
  readonly clusterId: string;
  readonly clusterSecret?: string;
  readonly credentials: grpc.ChannelCredentials;
  readonly channelOptions: grpc.ChannelOptions;
  /** How long the peer has to accept a new stream before the attempt counts as failed. */
  readonly connectTimeoutMs: number;
  readonly backoff: BackoffPolicy;
  readonly random: RandomSource;
  /** Milliseconds since the epoch, for the opening's timestamp. */
  readonly now: () => number;
  /** Bounds of the frames kept while a stream is being (re)established, and of those in flight. */
  readonly maxBufferedMessages: number;
  readonly maxBufferedBytes: number;
  readonly logger: RaftLogger;
  /** Told at most once per failed attempt (and once per congestion episode). */
  readonly reportUnreachable: (nodeId: NodeId, why: Unreachability) => void;
  /** The call this link opens; the Raft Stream unless told otherwise (telemetry has its own). */
  readonly methodPath?: string;
}

/**
 * `connecting`: a stream is open but the peer has not accepted it yet. `open`: frames are written
 * straight to the stream. `waiting`: the last attempt failed and the next one is scheduled.
 */
type LinkState = 'connecting' | 'open' | 'waiting' | 'closed';

/**
 * The sending half of the transport for one peer: a long-lived stream, reopened with exponential
 * backoff and full jitter when it fails. Each attempt uses a fresh channel, so that no backoff but
 * this one applies. Frames sent while no stream is open wait in a bounded buffer (the oldest are
 * dropped first) and are written in order once the peer accepts the next stream.
 */
export class PeerLink {
  private state: LinkState = 'waiting';
  private client: grpc.Client | undefined;
  private call: OutboundStream | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Failed attempts since the last stream the peer accepted. */
  private attempt = 0;
  /**
   * What the current attempt or congestion episode was reported as, if it was: a failed connection
   * is reported even after congestion was, since it tells Raft more (the peer may be gone).
   */
  private reported: Unreachability | undefined;
  private lastFailure: string | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private inflightMessages = 0;
  private inflightBytes = 0;
  private closing: Promise<void> | undefined;

  constructor(
    readonly endpoint: PeerEndpoint,
    private readonly options: PeerLinkOptions,
    carried: readonly Buffer[] = [],
  ) {
    for (const frame of carried) this.enqueue(frame);
    this.connect();
  }

  get address(): string {
    return hostPort(this.endpoint.host, this.endpoint.raftPort);
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Nothing waiting for a stream and nothing in flight: lower-priority traffic may go now. */
  get idle(): boolean {
    return this.pending.length === 0 && this.inflightMessages === 0;
  }

  /** Frames written to the open stream that grpc has not yet taken. */
  get inflight(): number {
    return this.inflightMessages;
  }

  /** Removes and returns the frames still waiting for a stream (handed over on an address change). */
  takePending(): Buffer[] {
    const frames = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    return frames;
  }

  /** Writes or buffers one encoded message. Never throws, never waits. */
  send(frame: Buffer): void {
    if (this.state === 'closed') return;
    if (this.state !== 'open') {
      this.enqueue(frame);
      return;
    }
    if (
      this.inflightMessages >= this.options.maxBufferedMessages ||
      this.inflightBytes >= this.options.maxBufferedBytes
    ) {
      // The peer does not keep up: drop rather than queue without bound, and let Raft slow down.
      this.options.logger.debug('dropped a message to a congested peer', {
        peer: this.endpoint.nodeId,
        inflightMessages: this.inflightMessages,
        inflightBytes: this.inflightBytes,
      });
      this.reportOnce('congested');
      return;
    }
    this.write(frame);
  }

  /**
   * Stops reconnecting and ends the stream, flushing what was written; cancels it if the peer has
   * not finished it within `graceMs`.
   */
  close(graceMs: number): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    this.clearTimer();
    this.takePending();
    const { call, client } = this;
    this.call = undefined;
    this.client = undefined;
    if (call === undefined || !wasOpen) {
      call?.cancel();
      client?.close();
      this.closing = Promise.resolve();
      return this.closing;
    }
    this.closing = new Promise<void>((resolve) => {
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        call.cancel();
        client?.close();
        resolve();
      };
      const timer = setTimeout(finish, graceMs);
      call.once('status', finish);
      call.end();
    });
    return this.closing;
  }

  private connect(): void {
    const { options, endpoint } = this;
    this.state = 'connecting';
    this.reported = undefined;
    this.inflightMessages = 0;
    this.inflightBytes = 0;
    let client: grpc.Client;
    let call: OutboundStream;
    try {
      client = new grpc.Client(this.address, options.credentials, options.channelOptions);
      const metadata = openingMetadata({
        clusterId: options.clusterId,
        clusterSecret: options.clusterSecret,
        nodeId: options.localNodeId,
        peerId: endpoint.nodeId,
        now: options.now(),
      });
      call = client.makeBidiStreamRequest<Buffer, Buffer>(
        options.methodPath ?? RAFT_PEER_STREAM_PATH,
        passThrough,
        passThrough,
        metadata,
      );
    } catch (err) {
      this.client = undefined;
      this.call = undefined;
      this.retryLater(`cannot open a stream: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    this.client = client;
    this.call = call;
    this.timer = setTimeout(
      () => this.failed(call, `stream not accepted within ${options.connectTimeoutMs} ms`),
      options.connectTimeoutMs,
    );
    this.timer.unref();
    call.on('data', (frame: Buffer) => this.accepted(call, frame));
    // A failed call emits 'error' then 'status'; one that the peer ended cleanly only 'status'.
    call.on('error', (err: grpc.ServiceError) => this.failed(call, describeError(err)));
    call.on('status', (status: grpc.StatusObject) =>
      this.failed(
        call,
        status.code === grpc.status.OK
          ? 'peer ended the stream'
          : `${grpc.status[status.code]}: ${status.details}`,
      ),
    );
  }

  private accepted(call: OutboundStream, frame: Buffer): void {
    if (call !== this.call || this.state !== 'connecting') return;
    let answeredAs: NodeId;
    try {
      answeredAs = decodeAccepted(frame);
    } catch (_err) {
      this.failed(call, 'malformed acceptance');
      return;
    }
    if (answeredAs !== this.endpoint.nodeId) {
      this.failed(call, `the address answers as node "${answeredAs}"`);
      return;
    }
    this.clearTimer();
    this.state = 'open';
    this.attempt = 0;
    this.reported = undefined;
    this.lastFailure = undefined;
    this.options.logger.info('opened a stream to a peer', {
      peer: this.endpoint.nodeId,
      address: this.address,
      buffered: this.pending.length,
    });
    for (const pending of this.takePending()) this.write(pending);
  }

  private write(frame: Buffer): void {
    const call = this.call;
    if (call === undefined) return;
    this.inflightMessages += 1;
    this.inflightBytes += frame.length;
    call.write(frame, () => {
      if (call !== this.call) return;
      this.inflightMessages -= 1;
      this.inflightBytes -= frame.length;
      // Caught up: a later congestion episode is reported afresh.
      if (this.inflightMessages === 0 && this.state === 'open') this.reported = undefined;
    });
  }

  private failed(call: OutboundStream, reason: string): void {
    if (call !== this.call || this.state === 'closed' || this.state === 'waiting') return;
    const wasOpen = this.state === 'open';
    this.clearTimer();
    this.call = undefined;
    call.cancel();
    this.client?.close();
    this.client = undefined;
    if (wasOpen) {
      this.options.logger.warn('lost the stream to a peer', {
        peer: this.endpoint.nodeId,
        address: this.address,
        reason,
      });
    }
    this.retryLater(reason);
  }

  private retryLater(reason: string): void {
    const { logger, backoff, random } = this.options;
    const delayMs = backoffDelay(this.attempt, random, backoff);
    const fields = {
      peer: this.endpoint.nodeId,
      address: this.address,
      reason,
      attempt: this.attempt + 1,
      retryInMs: delayMs,
    };
    // The same failure over and over is logged once at warn, then at debug.
    if (reason !== this.lastFailure) logger.warn('cannot reach a peer', fields);
    else logger.debug('cannot reach a peer', fields);
    this.lastFailure = reason;
    this.attempt += 1;
    this.state = 'waiting';
    this.reportOnce('disconnected');
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.state === 'waiting') this.connect();
    }, delayMs);
    this.timer.unref();
  }

  private reportOnce(why: Unreachability): void {
    if (this.reported === why || this.reported === 'disconnected') return;
    this.reported = why;
    this.options.reportUnreachable(this.endpoint.nodeId, why);
  }

  private enqueue(frame: Buffer): void {
    this.pending.push(frame);
    this.pendingBytes += frame.length;
    let dropped = 0;
    while (
      this.pending.length > 1 &&
      (this.pending.length > this.options.maxBufferedMessages ||
        this.pendingBytes > this.options.maxBufferedBytes)
    ) {
      const oldest = this.pending.shift();
      this.pendingBytes -= oldest?.length ?? 0;
      dropped += 1;
    }
    if (dropped > 0) {
      this.options.logger.debug('dropped the oldest buffered messages to a peer', {
        peer: this.endpoint.nodeId,
        dropped,
      });
    }
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function describeError(err: grpc.ServiceError): string {
  const code = typeof err.code === 'number' ? grpc.status[err.code] : undefined;
  return code === undefined ? err.message : `${code}: ${err.details}`;
}
