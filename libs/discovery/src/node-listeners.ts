import { DiscoveredNode, NodeListListener } from './discovery';
import { DiscoveryLogger, describeError } from './discovery-logger';

/**
 * The subscribers of `watch()`. Delivers a list only when it differs from the last one delivered,
 * gives a new subscriber the last list straight away, and keeps a throwing subscriber from
 * breaking the others or the loop that feeds them.
 */
export class NodeListeners {
  private readonly listeners = new Set<NodeListListener>();
  private last: DiscoveredNode[] | undefined;
  private lastText: string | undefined;

  constructor(private readonly logger: DiscoveryLogger) {}

  get size(): number {
    return this.listeners.size;
  }

  /** Adds a subscriber; returns its unsubscribe function. */
  add(listener: NodeListListener): () => void {
    // Wrapped so that the same function subscribed twice is two subscriptions.
    const entry: NodeListListener = (nodes) => listener(nodes);
    this.listeners.add(entry);
    const known = this.last;
    if (known !== undefined) queueMicrotask(() => this.deliver(entry, known));
    return () => {
      this.listeners.delete(entry);
    };
  }

  /** Delivers `nodes` to every subscriber unless it equals the list delivered last. */
  publish(nodes: DiscoveredNode[]): void {
    const text = JSON.stringify(nodes);
    if (text === this.lastText) return;
    this.lastText = text;
    this.last = nodes;
    for (const listener of this.listeners) this.deliver(listener, nodes);
  }

  /** Forgets the last list (the next subscription starts from a fresh read). */
  reset(): void {
    this.last = undefined;
    this.lastText = undefined;
  }

  private deliver(listener: NodeListListener, nodes: DiscoveredNode[]): void {
    if (!this.listeners.has(listener)) return;
    try {
      // Each subscriber gets its own copy: one that sorts or edits it cannot affect another.
      listener(nodes.map((node) => ({ ...node, status: { ...node.status } })));
    } catch (error) {
      this.logger.error('discovery watch listener threw', { error: describeError(error) });
    }
  }
}
