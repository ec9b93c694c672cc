/**
 * The fake agent: one dev agent's HTTP API on 127.0.0.1, wired from the catalog, the KV store, the
 * check runner, the reaper and the router. `stop()` is the agent going down (connections dropped,
 * checks and reaper halted, state kept); `start()` brings it back on the same port.
 */
import { randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { AgentAcl } from './acl';
import { AgentCatalog } from './agent-catalog';
import { AgentContext } from './agent-context';
import { agentRoutes } from './agent-routes';
import { ChangeIndex, ResultIndexTracker } from './blocking-query';
import { CheckRunner } from './check-runner';
import { ConsulTestServer, ConsulTestServerOptions } from './consul-test-server';
import { CriticalServiceReaper } from './critical-service-reaper';
import { healthCatalogRoutes } from './health-catalog-routes';
import { KvStore } from './kv-store';
import { kvRoutes } from './kv-routes';
import { Router } from './router';

export const TEST_AGENT_NODE_NAME = 'falconmind-test-agent';
export const TEST_AGENT_DATACENTER = 'dc1';
const HOST = '127.0.0.1';
/** A fresh dev agent has already written a few entries (its node, the consul service...). */
const FIRST_INDEX = 13;

export class FakeConsulAgent implements ConsulTestServer {
  readonly kind = 'fake' as const;
  readonly host = HOST;
  private listeningPort: number;
  private server: Server | undefined;
  private closed = false;
  private readonly router: Router;
  private readonly checkRunner: CheckRunner;
  private readonly reaper: CriticalServiceReaper;

  constructor(options: ConsulTestServerOptions = {}) {
    const timeScale = options.timeScale ?? 1;
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) {
      throw new RangeError(`timeScale must be a positive number, got ${timeScale}`);
    }
    this.listeningPort = options.port ?? 0;
    const now = (): number => performance.now();
    const changeIndex = new ChangeIndex(FIRST_INDEX);
    const catalog: AgentCatalog = new AgentCatalog({
      identity: {
        nodeName: TEST_AGENT_NODE_NAME,
        nodeId: randomUUID(),
        datacenter: TEST_AGENT_DATACENTER,
        address: HOST,
        createIndex: FIRST_INDEX,
      },
      changeIndex,
      now,
      onCheckSetChanged: () => this.checkRunner.sync(),
    });
    this.checkRunner = new CheckRunner(catalog, timeScale);
    this.reaper = new CriticalServiceReaper(catalog, timeScale, now);
    const context: AgentContext = {
      catalog,
      checkRunner: this.checkRunner,
      kv: new KvStore(changeIndex),
      changeIndex,
      resultIndexes: new ResultIndexTracker(changeIndex),
      timeScale,
    };
    this.router = new Router(
      [...agentRoutes(context), ...healthCatalogRoutes(context), ...kvRoutes(context)],
      new AgentAcl(options.aclToken),
    );
  }

  get port(): number {
    return this.listeningPort;
  }

  get url(): string {
    return `http://${HOST}:${this.listeningPort}`;
  }

  async start(): Promise<void> {
    if (this.closed) throw new Error('this Consul test server was closed; start a new one');
    if (this.server) return;
    const server = createServer(this.router.handle);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listeningPort, HOST, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.listeningPort = (server.address() as AddressInfo).port;
    this.checkRunner.start();
    this.reaper.start();
  }

  async stop(): Promise<void> {
    this.checkRunner.stop();
    this.reaper.stop();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.router.abortAll();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // An agent going down drops its connections, idle keep-alive ones included.
    server.closeAllConnections();
    await closed;
  }

  async close(): Promise<void> {
    await this.stop();
    this.closed = true;
  }
}
