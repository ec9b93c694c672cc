/**
 * Every directed Raft link of the cluster through its own fault proxy: for nodes a, b, c there are
 * proxies a->b, a->c, b->a, b->c, c->a, c->b. Each node is started with `RAFT_PEER_ROUTES` naming
 * its own outgoing proxies, so a fault on a->b affects only what a says to b. Partitions are
 * expressed as sets of blocked directed links.
 */
import { FaultProxy, LinkFaults } from './fault-proxy';
import { SeededRandom } from './seeded-random';

export interface RaftEndpoint {
  readonly nodeId: string;
  readonly raftPort: number;
}

/** A directed link: what `from` sends to `to`. */
export interface Link {
  readonly from: string;
  readonly to: string;
}

function linkName(link: Link): string {
  return `${link.from}->${link.to}`;
}

export class ProxyMesh {
  private readonly proxies = new Map<string, FaultProxy>();

  private constructor(readonly nodeIds: readonly string[]) {}

  /** Starts one proxy per ordered pair of distinct endpoints, each on a free port. */
  static async start(endpoints: readonly RaftEndpoint[], random: SeededRandom): Promise<ProxyMesh> {
    const mesh = new ProxyMesh(endpoints.map((e) => e.nodeId));
    try {
      for (const from of endpoints) {
        for (const to of endpoints) {
          if (from.nodeId === to.nodeId) continue;
          const stream = random.fork();
          const proxy = new FaultProxy({
            name: linkName({ from: from.nodeId, to: to.nodeId }),
            targetHost: '127.0.0.1',
            targetPort: to.raftPort,
            random: () => stream.next(),
          });
          await proxy.start();
          mesh.proxies.set(proxy.name, proxy);
        }
      }
    } catch (error) {
      await mesh.close();
      throw error;
    }
    return mesh;
  }

  /** The `RAFT_PEER_ROUTES` value for `nodeId`: every peer through this node's outgoing proxy. */
  routesFor(nodeId: string): Record<string, string> {
    const routes: Record<string, string> = {};
    for (const peer of this.nodeIds) {
      if (peer !== nodeId) routes[peer] = this.link({ from: nodeId, to: peer }).address;
    }
    return routes;
  }

  link(link: Link): FaultProxy {
    const proxy = this.proxies.get(linkName(link));
    if (!proxy) throw new Error(`no proxy for the link ${linkName(link)}`);
    return proxy;
  }

  /** Every directed link between distinct nodes of `nodes`. */
  linksAmong(nodes: readonly string[]): Link[] {
    return nodes.flatMap((from) => nodes.filter((to) => to !== from).map((to) => ({ from, to })));
  }

  /** Links crossing between different groups, both directions: a partition into those groups. */
  linksBetweenGroups(groups: ReadonlyArray<readonly string[]>): Link[] {
    const links: Link[] = [];
    groups.forEach((group, g) => {
      groups.forEach((other, o) => {
        if (g === o) return;
        for (const from of group) for (const to of other) links.push({ from, to });
      });
    });
    return links;
  }

  /** Blocks the links (a partition); other links are left as they are. */
  block(links: readonly Link[]): void {
    for (const link of links) this.link(link).setFaults({ blocked: true });
  }

  /** Sets faults on the links (fields not given keep their value). */
  degrade(links: readonly Link[], faults: Partial<LinkFaults>): void {
    for (const link of links) this.link(link).setFaults(faults);
  }

  /** Resets every open connection of the links; returns how many were reset. */
  resetConnections(links: readonly Link[]): number {
    return links.reduce((sum, link) => sum + this.link(link).resetConnections(), 0);
  }

  /** Removes every fault from every link. */
  healAll(): void {
    for (const proxy of this.proxies.values()) proxy.heal();
  }

  /** The links that currently have a fault, for the timeline. */
  faultyLinks(): string[] {
    return [...this.proxies.values()]
      .filter((p) => p.faults.blocked || p.faults.latencyMs > 0 || p.faults.lossRate > 0)
      .map((p) => p.name);
  }

  async close(): Promise<void> {
    await Promise.all([...this.proxies.values()].map((p) => p.close()));
    this.proxies.clear();
  }
}
