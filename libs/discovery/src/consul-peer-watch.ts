import { setTimeout as sleep } from 'node:timers/promises';
import { Backoff } from './backoff';
import { ConsulApi } from './consul-api';
import { CONSUL_SERVICE_NAME } from './consul-service';
import { DiscoveredNode, NodeListListener } from './discovery';
import { DiscoveryLogger, describeError } from './discovery-logger';
import { DiscoveryTimings } from './discovery-timings';
import { NodeListeners } from './node-listeners';

/**
 * Feeds `watch()` subscribers from blocking queries on `/v1/health/service/<name>`: each query
 * returns when the service's registrations or check states change (or after `wait`), so a change
 * reaches subscribers within one round trip. Runs only while someone is subscribed.
 */
export class ConsulPeerWatch {
  private readonly listeners: NodeListeners;
  private controller: AbortController | undefined;
  private loopDone: Promise<void> = Promise.resolve();

  constructor(
    private readonly api: ConsulApi,
    private readonly readNodes: (entries: readonly unknown[]) => DiscoveredNode[],
    private readonly logger: DiscoveryLogger,
    private readonly timings: DiscoveryTimings,
  ) {
    this.listeners = new NodeListeners(logger);
  }

  subscribe(listener: NodeListListener): () => void {
    const unsubscribe = this.listeners.add(listener);
    if (this.controller === undefined) {
      const controller = new AbortController();
      this.controller = controller;
      this.loopDone = this.follow(controller.signal);
    }
    return () => {
      unsubscribe();
      if (this.listeners.size === 0) this.close();
    };
  }

  /** Aborts the query in flight and waits for the loop to end. */
  async stop(): Promise<void> {
    this.close();
    await this.loopDone;
  }

  private close(): void {
    this.controller?.abort();
    this.controller = undefined;
    this.listeners.reset();
  }

  /** The query loop. Never throws: failures are logged once per outage and retried with backoff. */
  private async follow(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff(this.timings.retryMinMs, this.timings.retryMaxMs);
    let index = 0;
    let failing = false;
    while (!signal.aborted) {
      try {
        const answer = await this.api.healthService(
          CONSUL_SERVICE_NAME,
          { index, waitMs: this.timings.consulBlockingWaitMs },
          signal,
        );
        if (signal.aborted) return;
        if (failing) this.logger.info('Consul peer watch resumed', {});
        failing = false;
        backoff.reset();
        // Consul's rules for blocking queries: an index that went backwards (the agent restarted)
        // starts over, and an index below 1 must never be used to block (it would not block).
        index = answer.index < index ? 0 : Math.max(1, answer.index);
        this.listeners.publish(this.readNodes(answer.entries));
      } catch (error) {
        if (signal.aborted) return;
        if (!failing) {
          this.logger.warn('Consul peer watch failing, retrying', { error: describeError(error) });
        }
        failing = true;
        index = 0;
        try {
          await sleep(backoff.next(), undefined, { signal });
        } catch {
          return; // aborted while waiting
        }
      }
    }
  }
}
