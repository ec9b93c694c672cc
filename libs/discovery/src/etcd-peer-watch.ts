import { Etcd3, Watcher } from 'etcd3';
import { DiscoveredNode, NodeListListener } from './discovery';
import { DiscoveryLogger, describeError } from './discovery-logger';
import { Backoff } from './backoff';
import { NodeListeners } from './node-listeners';
import { RetryingTask } from './retrying-task';

/**
 * Feeds `watch()` subscribers from an etcd watch on the registrations' prefix. Every event (and
 * every (re)connection of the watch stream, after which events may have been missed) triggers one
 * coalesced re-read of the whole prefix: with a handful of nodes that costs nothing and the list
 * delivered is always a consistent snapshot rather than a replay of events.
 */
export class EtcdPeerWatch {
  private watcher: Watcher | undefined;
  private readonly listeners: NodeListeners;
  private readonly reread: RetryingTask;
  private failing = false;

  constructor(
    private readonly client: Etcd3,
    private readonly prefix: string,
    listNodes: () => Promise<DiscoveredNode[]>,
    private readonly logger: DiscoveryLogger,
    backoff: Backoff,
  ) {
    this.listeners = new NodeListeners(logger);
    this.reread = new RetryingTask(
      async () => {
        const nodes = await listNodes();
        if (this.watcher !== undefined) this.listeners.publish(nodes);
      },
      backoff,
      {
        onSuccess: () => {
          if (this.failing) this.logger.info('etcd peer list readable again', { prefix });
          this.failing = false;
        },
        onFailure: (error) => {
          if (!this.failing) {
            this.logger.warn('etcd peer list unreadable, retrying', {
              prefix,
              error: describeError(error),
            });
          }
          this.failing = true;
        },
      },
    );
  }

  subscribe(listener: NodeListListener): () => void {
    const unsubscribe = this.listeners.add(listener);
    if (this.watcher === undefined) this.open();
    return () => {
      unsubscribe();
      if (this.listeners.size === 0) this.close();
    };
  }

  /** Cancels the watch and any retry; subscribers get nothing more. */
  async stop(): Promise<void> {
    this.close();
    await this.reread.stop();
  }

  private open(): void {
    const watcher = this.client.watch().prefix(this.prefix).watcher();
    this.watcher = watcher;
    const changed = () => this.reread.request();
    watcher.on('connected', changed);
    watcher.on('put', changed);
    watcher.on('delete', changed);
    watcher.on('disconnected', (error) =>
      this.logger.debug('etcd watch disconnected, reconnecting', {
        prefix: this.prefix,
        error: describeError(error),
      }),
    );
    // Without a listener an 'error' event would be thrown; the watch manager reconnects by itself.
    watcher.on('error', (error) =>
      this.logger.warn('etcd watch error', { prefix: this.prefix, error: describeError(error) }),
    );
    changed();
  }

  private close(): void {
    const watcher = this.watcher;
    this.watcher = undefined;
    this.listeners.reset();
    watcher?.cancel().catch((error: unknown) => {
      this.logger.debug('etcd watch cancel failed', { error: describeError(error) });
    });
  }
}
