/**
 * TEST-ONLY. An in-process {@link PeerTransport} for specs and simulations: transports attached to
 * one {@link InMemoryHub} reach each other by `host:port`, as they would over the network, with
 * optional message loss and partitions. Not exported from the library's index; production code uses
 * the gRPC transport.
 */
import { SILENT_LOGGER } from '@falconmind/raft';
import type { Message, NodeId, RaftLogger, Unreachability } from '@falconmind/raft';
import type { PeerEndpoint, PeerTransport } from './transport';

/** What happened to a message handed to the hub. */
type Route = 'queued' | 'unreachable' | 'dropped';

/** The shared "network" of in-memory transports. */
export class InMemoryHub {
  private readonly listeners = new Map<string, InMemoryTransport>();
  private nextPort = 40_000;
  /** Whether the network currently cuts `from` off from `to`. */
  private cut: (from: NodeId, to: NodeId) => boolean = () => false;
  private dropFilter: ((message: Message) => boolean) | undefined;

  /**
   * Cuts the network into groups: nodes in different groups cannot reach each other (senders see
   * them as unreachable). Nodes in no group reach everyone. Replaces any earlier partition.
   */
  partition(...groups: ReadonlyArray<readonly NodeId[]>): void {
    const groupOf = (nodeId: NodeId): number => groups.findIndex((g) => g.includes(nodeId));
    this.cut = (from, to) => {
      const fromGroup = groupOf(from);
      const toGroup = groupOf(to);
      return fromGroup !== -1 && toGroup !== -1 && fromGroup !== toGroup;
    };
  }

  /** Cuts one node off from everyone else. Replaces any earlier partition. */
  isolate(nodeId: NodeId): void {
    this.cut = (from, to) => (from === nodeId) !== (to === nodeId);
  }

  /** Ends every partition. */
  heal(): void {
    this.cut = () => false;
  }

  /** Silently loses every message the predicate picks (until called again without one). */
  dropWhen(predicate?: (message: Message) => boolean): void {
    this.dropFilter = predicate;
  }

  /** @internal Binds an address; port 0 picks a free one. Returns the port. */
  bind(host: string, port: number, transport: InMemoryTransport): number {
    let bound = port;
    if (bound === 0) {
      while (this.listeners.has(address(host, this.nextPort))) this.nextPort += 1;
      bound = this.nextPort;
      this.nextPort += 1;
    }
    const key = address(host, bound);
    if (this.listeners.has(key)) throw new Error(`address in use: ${key}`);
    this.listeners.set(key, transport);
    return bound;
  }

  /** @internal */
  unbind(host: string, port: number, transport: InMemoryTransport): void {
    const key = address(host, port);
    if (this.listeners.get(key) === transport) this.listeners.delete(key);
  }

  /** @internal Hands a message to whoever listens at the endpoint, on a later turn of the loop. */
  route(message: Message, endpoint: PeerEndpoint): Route {
    const key = address(endpoint.host, endpoint.raftPort);
    if (!this.listeners.has(key) || this.cut(message.from, message.to)) return 'unreachable';
    if (this.dropFilter?.(message) === true) return 'dropped';
    // A copy, as a network would make: sender and receiver never share objects.
    const copy = structuredClone(message);
    setImmediate(() => this.listeners.get(key)?.receive(copy));
    return 'queued';
  }
}

export interface InMemoryTransportOptions {
  readonly hub: InMemoryHub;
  readonly nodeId: NodeId;
  readonly host: string;
  /** 0 picks a free port (read it back from {@link InMemoryTransport.port}). */
  readonly port: number;
  readonly logger?: RaftLogger;
}

/** TEST-ONLY. See the module comment. */
export class InMemoryTransport implements PeerTransport {
  private state: 'new' | 'running' | 'closed' = 'new';
  private boundPort: number | undefined;
  private readonly peers = new Map<NodeId, PeerEndpoint>();
  /** Peers reported unreachable since the last message that got through to them. */
  private readonly reported = new Set<NodeId>();
  private readonly messageHandlers: Array<(message: Message) => void> = [];
  private readonly unreachableHandlers: Array<(nodeId: NodeId, why: Unreachability) => void> = [];
  private readonly logger: RaftLogger;

  constructor(private readonly options: InMemoryTransportOptions) {
    this.logger = options.logger ?? SILENT_LOGGER;
  }

  get port(): number {
    if (this.boundPort === undefined) throw new Error('the transport has not started');
    return this.boundPort;
  }

  start(): Promise<void> {
    if (this.state !== 'new') {
      return Promise.reject(new Error(`cannot start a transport that is ${this.state}`));
    }
    const { hub, host, port } = this.options;
    try {
      this.boundPort = hub.bind(host, port, this);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    this.state = 'running';
    return Promise.resolve();
  }

  setPeer(endpoint: PeerEndpoint): void {
    if (this.state === 'closed' || endpoint.nodeId === this.options.nodeId) return;
    this.peers.set(endpoint.nodeId, { ...endpoint });
    this.reported.delete(endpoint.nodeId);
  }

  removePeer(nodeId: NodeId): void {
    this.peers.delete(nodeId);
    this.reported.delete(nodeId);
  }

  send(message: Message): void {
    if (this.state === 'closed') return;
    const endpoint = this.peers.get(message.to);
    let route: Route;
    try {
      route = endpoint === undefined ? 'unreachable' : this.options.hub.route(message, endpoint);
    } catch (err) {
      this.logger.warn('dropped a message that could not be sent', {
        to: message.to,
        error: err instanceof Error ? err.message : String(err),
      });
      return;
    }
    if (route === 'queued') {
      this.reported.delete(message.to);
    } else if (route === 'unreachable' && !this.reported.has(message.to)) {
      this.reported.add(message.to);
      this.reportUnreachable(message.to);
    }
  }

  onMessage(handler: (message: Message) => void): void {
    this.messageHandlers.push(handler);
  }

  onUnreachable(handler: (nodeId: NodeId, why: Unreachability) => void): void {
    this.unreachableHandlers.push(handler);
  }

  close(): Promise<void> {
    if (this.state === 'running' && this.boundPort !== undefined) {
      this.options.hub.unbind(this.options.host, this.boundPort, this);
    }
    this.state = 'closed';
    return Promise.resolve();
  }

  /** @internal Called by the hub. */
  receive(message: Message): void {
    if (this.state !== 'running') return;
    if (message.to !== this.options.nodeId) {
      this.logger.warn('dropped a peer message addressed to another node', {
        from: message.from,
        to: message.to,
        type: message.type,
      });
      return;
    }
    for (const handler of this.messageHandlers) {
      try {
        handler(message);
      } catch (err) {
        this.logger.warn('a message handler threw', {
          from: message.from,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
  }

  private reportUnreachable(nodeId: NodeId): void {
    queueMicrotask(() => {
      if (this.state === 'closed') return;
      for (const handler of this.unreachableHandlers) {
        try {
          // Nothing is ever congested here: an undeliverable message has no listener or is cut off.
          handler(nodeId, 'disconnected');
        } catch (err) {
          this.logger.warn('an unreachable handler threw', {
            peer: nodeId,
            error: err instanceof Error ? err.message : String(err),
          });
        }
      }
    });
  }
}

function address(host: string, port: number): string {
  return `${host}:${port}`;
}
