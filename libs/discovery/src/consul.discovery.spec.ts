import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ConsulDiscoveryConfig } from '@falconmind/config';
import { ConsulTestServer, startConsulTestServer } from '../../../test/support/consul';
import {
  RecordingLogger,
  STARTING,
  abandonRegistration,
  announcement,
  waitUntil,
} from '../testing';
import { CONSUL_SERVICE_NAME, raftLoopCheckId, readyCheckId } from './consul-service';
import { createDiscovery } from './create-discovery';
import { ClusterRecord, DiscoveredNode, Discovery } from './discovery';
import { DiscoveryTimings } from './discovery-timings';

const TEST_TIMEOUT_MS = 45_000;
const TOKEN = `token-${randomUUID()}`;
/** The fake agent runs every duration it honours ten times faster (5 s check interval → 500 ms). */
const TIME_SCALE = 0.1;
/** Client-side timings; the check durations stay the design's (the agent scales them). */
const FAST: Partial<DiscoveryTimings> = {
  consulTtlPassIntervalMs: 300,
  consulResyncIntervalMs: 300,
  retryMinMs: 100,
  retryMaxMs: 500,
  requestTimeoutMs: 2_000,
  startTimeoutMs: 3_000,
};

interface RawCheck {
  CheckID: string;
  Status: string;
  Type?: string;
}
interface RawEntry {
  Service: {
    ID: string;
    Tags: string[];
    Meta: Record<string, string>;
    Address: string;
    Port: number;
  };
  Checks: RawCheck[];
}

/** A tiny `/health/ready` endpoint whose answer the test controls. */
class ReadyEndpoint {
  ready = true;
  private readonly server: Server = createServer((request, response) => {
    const ok = request.url === '/health/ready' && this.ready;
    response.writeHead(ok ? 200 : 503).end(ok ? 'ready' : 'not ready');
  });

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Every discovery, heartbeat timer and endpoint a test made, stopped after it. */
class Fleet {
  readonly logger = new RecordingLogger();
  private readonly discoveries: Discovery[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly endpoints: ReadyEndpoint[] = [];

  constructor(private readonly agent: () => ConsulTestServer) {}

  /** A discovery on the test agent; `token: null` sends none. */
  make(token: string | null = TOKEN, timings: Partial<DiscoveryTimings> = FAST): Discovery {
    const config: ConsulDiscoveryConfig = {
      kind: 'consul',
      httpAddr: this.agent().url,
      token: token ?? undefined,
    };
    const discovery = createDiscovery(config, { logger: this.logger, timings });
    this.discoveries.push(discovery);
    return discovery;
  }

  /** Calls `heartbeat()` every 100 ms, as a running Raft loop would. */
  beat(discovery: Discovery): void {
    this.timers.push(setInterval(() => discovery.heartbeat(), 100));
  }

  async endpoint(): Promise<{ endpoint: ReadyEndpoint; port: number }> {
    const endpoint = new ReadyEndpoint();
    this.endpoints.push(endpoint);
    return { endpoint, port: await endpoint.listen() };
  }

  async stopAll(): Promise<void> {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    await Promise.all(this.discoveries.splice(0).map((discovery) => discovery.stop()));
    await Promise.all(this.endpoints.splice(0).map((endpoint) => endpoint.close()));
  }
}

function ids(nodes: DiscoveredNode[]): string[] {
  return nodes.map((node) => node.nodeId);
}

function clusterRecord(nodeId: string): ClusterRecord {
  return {
    clusterUuid: randomUUID(),
    initialVoters: [
      {
        nodeId,
        httpAddress: '127.0.0.1',
        httpPort: 18080,
        raftAddress: '127.0.0.1',
        raftPort: 18081,
      },
    ],
    createdAt: new Date().toISOString(),
  };
}

describe('Consul discovery against the test agent (ACLs on)', () => {
  let agent: ConsulTestServer;
  const fleet = new Fleet(() => agent);

  /** The raw health entries of our service, read with the management token. */
  async function rawEntries(): Promise<RawEntry[]> {
    const response = await fetch(`${agent.url}/v1/health/service/${CONSUL_SERVICE_NAME}`, {
      headers: { 'X-Consul-Token': TOKEN },
    });
    assert.equal(response.status, 200);
    return (await response.json()) as RawEntry[];
  }

  async function rawEntry(nodeId: string): Promise<RawEntry | undefined> {
    return (await rawEntries()).find((entry) => entry.Service.ID === nodeId);
  }

  before(async () => {
    agent = await startConsulTestServer({ aclToken: TOKEN, timeScale: TIME_SCALE });
  });

  after(async () => {
    await fleet.stopAll();
    await agent?.close();
  });

  it(
    'registers the service with its tags, meta and two checks, which pass once the node is ready and beating',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const cluster = `c-${randomUUID().slice(0, 8)}`;
      const { endpoint, port } = await fleet.endpoint();
      endpoint.ready = false;
      const a = fleet.make();
      await a.start(announcement(cluster, 'node-a', port), STARTING);
      assert.equal(a.health().state, 'up');

      const entry = await rawEntry('node-a');
      assert.ok(entry, 'the service is registered');
      assert.deepEqual(entry.Service.Tags, ['starting']);
      assert.equal(entry.Service.Address, '127.0.0.1');
      assert.equal(entry.Service.Port, port);
      assert.deepEqual(entry.Service.Meta, {
        node_id: 'node-a',
        cluster_id: cluster,
        raft_address: '127.0.0.1',
        raft_port: String(port + 1),
        version: '0.1.0-test',
        ready: 'false',
        term: '0',
      });
      const ours = entry.Checks.filter((check) => check.CheckID !== 'serfHealth');
      assert.deepEqual(
        ours.map((check) => check.CheckID).sort(),
        [raftLoopCheckId('node-a'), readyCheckId('node-a')].sort(),
      );
      assert.ok(
        ours.every((check) => check.Status === 'critical'),
        'not ready, not beating yet',
      );
      assert.equal((await a.listNodes())[0].healthy, false);

      const readyAt = performance.now();
      endpoint.ready = true;
      await waitUntil(
        'the HTTP check to pass',
        async () =>
          (await rawEntry('node-a'))?.Checks.find(
            (check) => check.CheckID === readyCheckId('node-a'),
          )?.Status === 'passing'
            ? true
            : undefined,
        5_000,
      );
      t.diagnostic(
        `HTTP check passing ${(performance.now() - readyAt).toFixed(0)} ms after /health/ready answered 200 (interval 5 s × ${TIME_SCALE})`,
      );
      fleet.beat(a);
      const [node] = await waitUntil(
        'the node to be healthy',
        async () => {
          const nodes = await a.listNodes();
          return nodes[0]?.healthy ? nodes : undefined;
        },
        5_000,
      );
      assert.equal(node.nodeId, 'node-a');
      assert.equal(node.raftPort, port + 1);
    },
  );

  it(
    'keeps the tags on the current role: a watcher sees leader, then follower, within one blocking round',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const cluster = `c-${randomUUID().slice(0, 8)}`;
      const a = fleet.make();
      const b = fleet.make();
      await a.start(announcement(cluster, 'node-a', 18080), STARTING);
      await b.start(announcement(cluster, 'node-b', 18090), STARTING);
      const seen: DiscoveredNode[][] = [];
      const unsubscribe = b.watch((nodes) => seen.push(nodes));
      const roleOfA = () => seen.at(-1)?.find((node) => node.nodeId === 'node-a')?.status.role;
      try {
        await waitUntil('the first delivery', () => (seen.length > 0 ? true : undefined), 5_000);
        assert.deepEqual(ids(seen[0]), ['node-a', 'node-b']);
        // One blocking round is `wait` (30 s scaled to 3 s); a change must arrive well within it.
        const round = 30_000 * TIME_SCALE;
        for (const role of ['leader', 'follower'] as const) {
          const changedAt = performance.now();
          a.setStatus({ role, ready: true, term: 4 });
          await waitUntil(
            `the watch to see ${role}`,
            () => (roleOfA() === role ? true : undefined),
            round,
          );
          const elapsed = performance.now() - changedAt;
          t.diagnostic(`tag ${role} seen by the watcher after ${elapsed.toFixed(0)} ms`);
          assert.ok(elapsed < round, `seen after ${elapsed} ms`);
          assert.deepEqual((await rawEntry('node-a'))?.Service.Tags, [role]);
        }
        assert.deepEqual(seen.at(-1)?.find((node) => node.nodeId === 'node-a')?.status, {
          role: 'follower',
          ready: true,
          term: 4,
        });
      } finally {
        unsubscribe();
      }
    },
  );

  it(
    'lets exactly one of five concurrent claims win, and all see the same record',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const cluster = `c-${randomUUID().slice(0, 8)}`;
      const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
      const discoveries = nodes.map(() => fleet.make());
      await Promise.all(
        discoveries.map((discovery, index) =>
          discovery.start(announcement(cluster, nodes[index], 18000 + index * 10), STARTING),
        ),
      );
      assert.equal(await discoveries[0].readCluster(), undefined);
      const proposals = nodes.map(clusterRecord);
      const results = await Promise.all(
        discoveries.map((discovery, index) => discovery.claimCluster(proposals[index])),
      );
      for (const result of results) assert.deepEqual(result, results[0]);
      const winners = results.filter(
        (result, index) => result.clusterUuid === proposals[index].clusterUuid,
      );
      assert.equal(winners.length, 1);
      assert.deepEqual(await discoveries[4].readCluster(), results[0]);
    },
  );

  it(
    'sends the ACL token: without it registration is refused and health says so',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const tokenless = fleet.make(null, { ...FAST, startTimeoutMs: 500 });
      await tokenless.start(announcement(`c-${randomUUID().slice(0, 8)}`, 'no-token'), STARTING);
      assert.equal(tokenless.health().state, 'degraded');
      assert.match(tokenless.health().detail, /403/);
      assert.equal(await rawEntry('no-token'), undefined);
    },
  );

  it('forget() removes the service of another node', { timeout: TEST_TIMEOUT_MS }, async () => {
    const cluster = `c-${randomUUID().slice(0, 8)}`;
    const a = fleet.make();
    const removed = fleet.make();
    await a.start(announcement(cluster, 'node-a', 18080), STARTING);
    await removed.start(announcement(cluster, 'removed', 18090), STARTING);
    assert.deepEqual(ids(await a.listNodes()), ['node-a', 'removed']);
    // A node removed from the membership is gone (else it would register itself again).
    await abandonRegistration(removed);
    await a.forget('removed');
    assert.deepEqual(ids(await a.listNodes()), ['node-a']);
    await a.forget('never-existed');
  });

  it(
    'marks an abandoned node unhealthy after the TTL and the agent reaps it later',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const cluster = `c-${randomUUID().slice(0, 8)}`;
      const observer = fleet.make();
      const victim = fleet.make();
      await observer.start(announcement(cluster, 'observer', 18080), STARTING);
      await victim.start(announcement(cluster, 'victim', 18090), STARTING);
      fleet.beat(victim);
      await waitUntil(
        'the victim TTL check to pass',
        async () =>
          (await rawEntry('victim'))?.Checks.find(
            (check) => check.CheckID === raftLoopCheckId('victim'),
          )?.Status === 'passing'
            ? true
            : undefined,
        5_000,
      );
      const killedAt = performance.now();
      await abandonRegistration(victim);
      await waitUntil(
        'the TTL check to go critical',
        async () =>
          (await rawEntry('victim'))?.Checks.find(
            (check) => check.CheckID === raftLoopCheckId('victim'),
          )?.Status === 'critical'
            ? true
            : undefined,
        10_000,
      );
      t.diagnostic(
        `TTL check critical ${(performance.now() - killedAt).toFixed(0)} ms after the node stopped (TTL 15 s × ${TIME_SCALE})`,
      );
      await waitUntil(
        'the agent to reap the service',
        async () => (ids(await observer.listNodes()).includes('victim') ? undefined : true),
        20_000,
        100,
      );
      t.diagnostic(
        `service reaped ${(performance.now() - killedAt).toFixed(0)} ms after the node stopped (DeregisterCriticalServiceAfter 1 min × ${TIME_SCALE})`,
      );
    },
  );
});

describe('Consul discovery through an agent outage', () => {
  let agent: ConsulTestServer;
  const fleet = new Fleet(() => agent);

  before(async () => {
    agent = await startConsulTestServer({ aclToken: TOKEN, timeScale: TIME_SCALE });
  });

  after(async () => {
    await fleet.stopAll();
    await agent?.close();
  });

  it(
    'goes degraded while the agent is down and is registered again once it is back',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const cluster = `c-${randomUUID().slice(0, 8)}`;
      const a = fleet.make();
      await a.start(announcement(cluster, 'node-a', 18080), STARTING);
      fleet.beat(a);
      const seen: string[][] = [];
      const unsubscribe = a.watch((nodes) => seen.push(ids(nodes)));
      try {
        await waitUntil('the first delivery', () => (seen.length > 0 ? true : undefined), 5_000);

        const downAt = performance.now();
        await agent.stop();
        await waitUntil(
          'health to go degraded',
          () => (a.health().state === 'degraded' ? true : undefined),
          5_000,
        );
        t.diagnostic(
          `degraded ${(performance.now() - downAt).toFixed(0)} ms after the agent stopped: ${a.health().detail}`,
        );
        const upAt = performance.now();
        await agent.start();
        await waitUntil(
          'health to come back up',
          () => (a.health().state === 'up' ? true : undefined),
          10_000,
        );
        t.diagnostic(
          `up again ${(performance.now() - upAt).toFixed(0)} ms after the agent restarted`,
        );

        // An agent that comes back without our service (restarted without its state): registered again.
        const forgottenAt = performance.now();
        const deregistered = await fetch(`${agent.url}/v1/agent/service/deregister/node-a`, {
          method: 'PUT',
          headers: { 'X-Consul-Token': TOKEN },
        });
        assert.equal(deregistered.status, 200);
        await waitUntil(
          'the service to be registered again',
          async () => (ids(await a.listNodes()).includes('node-a') ? true : undefined),
          10_000,
        );
        t.diagnostic(
          `re-registered ${(performance.now() - forgottenAt).toFixed(0)} ms after the agent forgot the service`,
        );
        await waitUntil(
          'the watch to see it again',
          () => (seen.at(-1)?.join() === 'node-a' ? true : undefined),
          10_000,
        );
        // The agent may list the service before the node has its answer: on a busy machine the
        // registration's request can time out after the agent took it, and be retried.
        await waitUntil(
          'health to be up again',
          () => (a.health().state === 'up' ? true : undefined),
          10_000,
        );
        assert.equal(
          fleet.logger.count('discovery registration degraded'),
          2,
          'once per loss, not per retry',
        );
      } finally {
        unsubscribe();
      }
    },
  );
});
