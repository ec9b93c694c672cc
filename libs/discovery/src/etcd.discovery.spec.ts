import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { EtcdDiscoveryConfig } from '@falconmind/config';
import { Etcd3 } from 'etcd3';
import {
  EtcdTestCluster,
  EtcdTestServer,
  startEtcd,
  startEtcdCluster,
} from '../../../test/support/etcd';
import {
  RecordingLogger,
  STARTING,
  abandonRegistration,
  announcement,
  waitUntil,
} from '../testing';
import { createDiscovery } from './create-discovery';
import { ClusterRecord, DiscoveredNode, Discovery } from './discovery';
import { DiscoveryTimings } from './discovery-timings';
import { freeLoopbackPort } from '../../../test/support/etcd/free-port';

const TEST_TIMEOUT_MS = 45_000;
/** Short enough for a test, long enough that a busy two-core machine keeps the lease alive. */
const LEASE_TTL_SECONDS = 2;
const FAST: Partial<DiscoveryTimings> = {
  etcdLeaseTtlSeconds: LEASE_TTL_SECONDS,
  retryMinMs: 100,
  retryMaxMs: 1_000,
  requestTimeoutMs: 2_000,
  startTimeoutMs: 5_000,
};

function etcdConfig(
  endpoints: string[],
  credentials: { username?: string; password?: string } = {},
): EtcdDiscoveryConfig {
  const { username, password } = credentials;
  return { kind: 'etcd', endpoints, username, password, tls: undefined };
}

/** Every discovery a test made, stopped after it whatever happened. */
class Fleet {
  private readonly made: Discovery[] = [];
  readonly logger = new RecordingLogger();

  constructor(private readonly endpoints: () => string[]) {}

  make(timings: Partial<DiscoveryTimings> = FAST): Discovery {
    const discovery = createDiscovery(etcdConfig(this.endpoints()), {
      logger: this.logger,
      timings,
    });
    this.made.push(discovery);
    return discovery;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.made.splice(0).map((discovery) => discovery.stop()));
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

describe('etcd discovery against a real etcd', () => {
  let etcd: EtcdTestServer;
  let raw: Etcd3;
  const fleet = new Fleet(() => etcd.endpoints);

  before(async () => {
    etcd = await startEtcd();
    raw = new Etcd3({ hosts: etcd.endpoints });
  });

  after(async () => {
    await fleet.stopAll();
    raw?.close();
    await etcd?.close();
  });

  it(
    'registers two nodes that list and watch each other; a clean stop removes the key at once',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const cluster = `c-${randomUUID().slice(0, 8)}`;
      const a = fleet.make();
      const b = fleet.make();
      await a.start(announcement(cluster, 'node-a', 18080), STARTING);
      await b.start(announcement(cluster, 'node-b', 18090), STARTING);
      assert.equal(a.health().state, 'up');
      assert.equal(b.health().state, 'up');

      const listed = await a.listNodes();
      assert.deepEqual(ids(listed), ['node-a', 'node-b']);
      assert.equal(listed[1].httpPort, 18090);
      assert.equal(listed[1].raftPort, 18091);
      assert.deepEqual(listed[1].status, STARTING);
      assert.equal(listed[1].healthy, false, 'not ready, so not healthy');

      const seen: string[][] = [];
      const unsubscribe = a.watch((nodes) => seen.push(ids(nodes)));
      try {
        await waitUntil(
          'the first watch delivery',
          () => (seen.length > 0 ? true : undefined),
          5_000,
        );
        assert.deepEqual(seen[0], ['node-a', 'node-b']);

        const stopStarted = performance.now();
        await b.stop();
        const key = `/falconmind/${cluster}/nodes/node-b`;
        assert.equal(
          await raw.get(key).string(),
          null,
          'the key is gone as soon as stop() resolves',
        );
        await waitUntil(
          'the watch to drop node-b',
          () => (seen.at(-1)?.join() === 'node-a' ? true : undefined),
          5_000,
        );
        t.diagnostic(
          `clean stop → key gone and watch updated in ${(performance.now() - stopStarted).toFixed(0)} ms`,
        );
        assert.equal(b.health().detail, 'stopped');
      } finally {
        unsubscribe();
      }
    },
  );

  it(
    'refreshes the stored value when the status changes',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const cluster = `c-${randomUUID().slice(0, 8)}`;
      const a = fleet.make();
      await a.start(announcement(cluster, 'node-a'), STARTING);
      a.setStatus({ role: 'candidate', ready: false, term: 2 });
      a.setStatus({ role: 'leader', ready: true, term: 3 });

      const key = `/falconmind/${cluster}/nodes/node-a`;
      const stored = await waitUntil(
        'the value to show the leader status',
        async () => {
          const value = (await raw.get(key).json()) as { status?: { role?: string } } | null;
          return value?.status?.role === 'leader' ? value : undefined;
        },
        5_000,
      );
      assert.deepEqual(stored.status, { role: 'leader', ready: true, term: 3 });
      const [node] = await a.listNodes();
      assert.equal(node.healthy, true);
      assert.equal(node.status.role, 'leader');
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
      assert.deepEqual(await discoveries[3].readCluster(), results[0]);
    },
  );

  it(
    'drops a node that stopped keeping its lease alive after the lease TTL',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const cluster = `c-${randomUUID().slice(0, 8)}`;
      const observer = fleet.make();
      const victim = fleet.make();
      await observer.start(announcement(cluster, 'observer', 18080), STARTING);
      await victim.start(announcement(cluster, 'victim', 18090), STARTING);
      assert.deepEqual(ids(await observer.listNodes()), ['observer', 'victim']);

      const killedAt = performance.now();
      await abandonRegistration(victim);
      await waitUntil(
        'the abandoned registration to expire',
        async () => (ids(await observer.listNodes()).includes('victim') ? undefined : true),
        LEASE_TTL_SECONDS * 1_000 + 5_000,
        50,
      );
      const goneAfterMs = performance.now() - killedAt;
      t.diagnostic(
        `abandoned registration gone after ${goneAfterMs.toFixed(0)} ms (lease TTL ${LEASE_TTL_SECONDS} s)`,
      );
      assert.ok(goneAfterMs <= LEASE_TTL_SECONDS * 1_000 + 2_000, `gone after ${goneAfterMs} ms`);
    },
  );

  it(
    'resolves start() degraded when etcd is unreachable, without throwing',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const deadPort = await freeLoopbackPort();
      const logger = new RecordingLogger();
      const discovery = createDiscovery(etcdConfig([`http://127.0.0.1:${deadPort}`]), {
        logger,
        timings: { ...FAST, startTimeoutMs: 500 },
      });
      try {
        const started = performance.now();
        await discovery.start(announcement('unreachable', 'node-a'), STARTING);
        t.diagnostic(`start() resolved after ${(performance.now() - started).toFixed(0)} ms`);
        assert.equal(discovery.health().state, 'degraded');
        assert.match(discovery.health().detail, /cannot register in etcd/);
        await sleep(1_000); // several retries
        assert.equal(
          logger.count('discovery registration degraded'),
          1,
          'logged once, not per retry',
        );
      } finally {
        await discovery.stop();
      }
    },
  );
});

describe('etcd discovery through an etcd outage', () => {
  let etcd: EtcdTestServer;
  const fleet = new Fleet(() => etcd.endpoints);

  before(async () => {
    etcd = await startEtcd();
  });

  after(async () => {
    await fleet.stopAll();
    await etcd?.close();
  });

  it(
    'goes degraded while etcd is down and registers again once it is back',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const cluster = `c-${randomUUID().slice(0, 8)}`;
      const a = fleet.make();
      const b = fleet.make();
      await a.start(announcement(cluster, 'node-a', 18080), STARTING);
      await b.start(announcement(cluster, 'node-b', 18090), STARTING);
      const seen: string[][] = [];
      const unsubscribe = a.watch((nodes) => seen.push(ids(nodes)));
      try {
        await waitUntil(
          'the first watch delivery',
          () => (seen.length > 0 ? true : undefined),
          5_000,
        );

        const downAt = performance.now();
        await etcd.stop();
        await waitUntil(
          'health to go degraded',
          () => (a.health().state === 'degraded' ? true : undefined),
          10_000,
        );
        t.diagnostic(
          `degraded ${(performance.now() - downAt).toFixed(0)} ms after etcd stopped: ${a.health().detail}`,
        );
        // Longer than twice the TTL: the client gives the lease up and must grant a new one.
        await sleep(LEASE_TTL_SECONDS * 2_000 + 1_000);
        assert.equal(a.health().state, 'degraded');

        const upAt = performance.now();
        await etcd.start();
        await waitUntil(
          'health to come back up',
          () => (a.health().state === 'up' ? true : undefined),
          15_000,
        );
        t.diagnostic(`up again ${(performance.now() - upAt).toFixed(0)} ms after etcd restarted`);
        await waitUntil(
          'both registrations to be back',
          async () => (ids(await a.listNodes()).join() === 'node-a,node-b' ? true : undefined),
          10_000,
        );
        // A status change after the outage reaches the store (the new lease carries the key).
        b.setStatus({ role: 'follower', ready: true, term: 1 });
        await waitUntil(
          'the watch to see node-b ready after the outage',
          async () => ((await a.listNodes())[1]?.healthy === true ? true : undefined),
          10_000,
        );
        await waitUntil(
          'the watch to deliver after the outage',
          () => (seen.at(-1)?.join() === 'node-a,node-b' ? true : undefined),
          10_000,
        );
        assert.equal(fleet.logger.count('discovery registration degraded'), 2, 'one line per node');
        assert.ok(
          fleet.logger.count('discovery registration up') >= 4,
          'up at start and after the outage',
        );
      } finally {
        unsubscribe();
      }
    },
  );
});

describe('etcd discovery with authentication on', () => {
  const PASSWORD = randomUUID();
  let etcd: EtcdTestServer;
  const made: Discovery[] = [];

  before(async () => {
    etcd = await startEtcd();
    const admin = new Etcd3({ hosts: etcd.endpoints });
    try {
      // etcd turns authentication on only once a root user with the root role exists.
      await admin.user('root').create(PASSWORD);
      await admin.user('root').addRole('root');
      await admin.auth.authEnable();
    } finally {
      admin.close();
    }
  });

  after(async () => {
    await Promise.all(made.map((discovery) => discovery.stop()));
    await etcd?.close();
  });

  it(
    'registers with ETCD_USERNAME/ETCD_PASSWORD and is refused without them',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const logger = new RecordingLogger();
      const cluster = `c-${randomUUID().slice(0, 8)}`;
      const withUser = createDiscovery(
        etcdConfig(etcd.endpoints, { username: 'root', password: PASSWORD }),
        { logger, timings: FAST },
      );
      const anonymous = createDiscovery(etcdConfig(etcd.endpoints), {
        logger,
        timings: { ...FAST, startTimeoutMs: 1_000 },
      });
      made.push(withUser, anonymous);
      await withUser.start(announcement(cluster, 'node-a'), STARTING);
      assert.equal(withUser.health().state, 'up');
      assert.deepEqual(ids(await withUser.listNodes()), ['node-a']);
      await anonymous.start(announcement(cluster, 'node-b'), STARTING);
      assert.equal(anonymous.health().state, 'degraded');
      assert.deepEqual(ids(await withUser.listNodes()), ['node-a']);
    },
  );
});

describe('etcd discovery on a three-member etcd cluster', () => {
  let cluster: EtcdTestCluster;
  const fleet = new Fleet(() => cluster.endpoints);

  before(async () => {
    cluster = await startEtcdCluster(3);
  });

  after(async () => {
    await fleet.stopAll();
    await cluster?.close();
  });

  it(
    'keeps the registrations when an etcd member is killed',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const clusterId = `c-${randomUUID().slice(0, 8)}`;
      const a = fleet.make();
      const b = fleet.make();
      await a.start(announcement(clusterId, 'node-a', 18080), STARTING);
      await b.start(announcement(clusterId, 'node-b', 18090), STARTING);
      const lostAt = performance.now();
      await cluster.members[0].kill();
      // Longer than the lease TTL: the keepalives must have moved to a surviving member.
      await sleep(LEASE_TTL_SECONDS * 1_000 + 1_000);
      b.setStatus({ role: 'leader', ready: true, term: 2 });
      const nodes = await waitUntil(
        'node-b to be seen as leader with node-a still registered',
        async () => {
          const listed = await a.listNodes();
          return listed.length === 2 && listed[1].status.role === 'leader' ? listed : undefined;
        },
        10_000,
      );
      t.diagnostic(
        `both registrations alive ${(performance.now() - lostAt).toFixed(0)} ms after a member was killed; health ${a.health().state}`,
      );
      assert.deepEqual(ids(nodes), ['node-a', 'node-b']);
      await waitUntil('health up', () => (a.health().state === 'up' ? true : undefined), 10_000);
    },
  );
});
