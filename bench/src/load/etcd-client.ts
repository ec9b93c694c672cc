import { noop } from 'cockatiel';
import { Etcd3 } from 'etcd3';
import { StoreClient } from './store-client';

/**
 * etcd through the official JavaScript client, one client per member so that the workload (not the
 * client's own balancing) picks the member, exactly as it does for FalconMind. The client's own
 * retries and circuit breaker are switched off: the workload's retry loop is the same for both systems.
 */
export class EtcdClient implements StoreClient {
  private readonly clients: Etcd3[];

  constructor(endpoints: readonly string[]) {
    this.clients = endpoints.map(
      (endpoint) =>
        new Etcd3({
          hosts: [endpoint],
          dialTimeout: 2_000,
          faultHandling: { host: () => noop, global: noop },
        }),
    );
  }

  get memberCount(): number {
    return this.clients.length;
  }

  async write(member: number, key: string, document: string, timeoutMs: number): Promise<void> {
    await this.clients[member]
      .put(key)
      .value(document)
      .options({ deadline: new Date(Date.now() + timeoutMs) })
      .exec();
  }

  async read(member: number, key: string, linearizable: boolean, timeoutMs: number): Promise<void> {
    const value = await this.clients[member]
      .get(key)
      .serializable(!linearizable)
      .options({ deadline: new Date(Date.now() + timeoutMs) })
      .buffer();
    if (value === null) throw new Error(`etcd get: ${key} not found`);
  }

  close(): void {
    for (const client of this.clients) client.close();
  }
}
