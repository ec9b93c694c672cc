import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ConsulTestServer, ServiceEntryJson, startConsul } from '../../../test/support/consul';
import {
  awaitAgreement,
  call,
  callRetrying,
  ClusterInfo,
  leaderOf,
  missionBody,
  tail,
} from '../../../test/support/cluster';
import {
  createNodeDatabase,
  dropDatabases,
  freePortPair,
  NodeProcess,
  waitFor,
} from '../../../test/support/node-process';

const CLUSTER_ID = 'consul-e2e';
const SERVICE = 'falconmind-cluster-center';
const TOKEN = 'e2e-acl-token-0123456789';
/**
 * The test agent runs its clock at a fifth (checks every 1 s, deregistration after 12 s critical)
 * and the nodes scale their own discovery timers alike. Against a real agent the suite waits the
 * real durations.
 */
const TIME_SCALE = 0.2;

describe('a cluster formed from Consul alone (Consul agent API)', { timeout: 300_000 }, () => {
  let consul: ConsulTestServer;
  const nodes: NodeProcess[] = [];

  /**
   * waitFor, but a timeout also says what Consul held and what each node logged last: a failure
   * seen once under a loaded CI machine left nothing else to go on.
   */
  async function waitWithLogs(
    what: string,
    timeoutMs: number,
    check: () => Promise<boolean>,
  ): Promise<void> {
    try {
      await waitFor(what, timeoutMs, check);
    } catch (error) {
      const held = await services().then(
        (entries) =>
          entries.map((e) => ({
            id: e.Service.ID,
            tags: e.Service.Tags,
            checks: e.Checks.map((c) => `${c.Type}:${c.Status}`),
          })),
        (reason: unknown) => `could not list services: ${String(reason)}`,
      );
      const logs = nodes.map((n) => tail(n, 25)).join('\n');
      throw new Error(`${String(error)}\nConsul: ${JSON.stringify(held)}\n${logs}`, {
        cause: error,
      });
    }
  }

  async function services(): Promise<ServiceEntryJson[]> {
    const response = await fetch(`${consul.url}/v1/health/service/${SERVICE}`, {
      headers: { 'X-Consul-Token': TOKEN },
    });
    assert.equal(response.status, 200);
    return (await response.json()) as ServiceEntryJson[];
  }

  before(async () => {
    consul = await startConsul({ aclToken: TOKEN, timeScale: TIME_SCALE });
    for (const nodeId of ['consul-a', 'consul-b', 'consul-c']) {
      nodes.push(
        new NodeProcess({
          nodeId,
          httpPort: await freePortPair(),
          databaseUrl: await createNodeDatabase(nodeId),
          env: {
            CLUSTER_ID,
            DISCOVERY: 'consul',
            CONSUL_HTTP_ADDR: consul.url,
            CONSUL_HTTP_TOKEN: TOKEN,
            BOOTSTRAP_EXPECT: '3',
            DISCOVERY_TIME_SCALE: String(consul.kind === 'fake' ? TIME_SCALE : 1),
          },
        }),
      );
    }
  });

  after(async () => {
    await Promise.all(nodes.map((n) => n.kill()));
    await consul?.close();
    await dropDatabases();
  });

  it('three nodes register, form one cluster, and show who leads in their tags', async () => {
    const started = Date.now();
    for (const node of nodes) node.start();
    let views: ClusterInfo[];
    try {
      views = await awaitAgreement(nodes, 60_000);
    } catch (error) {
      throw new Error(`${String(error)}\n${nodes.map((n) => tail(n, 15)).join('\n')}`, {
        cause: error,
      });
    }
    console.log(`consul: three nodes formed one cluster in ${Date.now() - started} ms`);
    const uuids = new Set(
      views.map((v) => (v as unknown as { cluster_uuid: string }).cluster_uuid),
    );
    assert.equal(uuids.size, 1);

    const leader = await leaderOf(nodes);
    await waitWithLogs('every check passing and one leader tag', 45_000, async () => {
      const entries = await services();
      const leaders = entries.filter((e) => e.Service.Tags.includes('leader'));
      return (
        entries.length === 3 &&
        entries.every((e) => e.Checks.every((c) => c.Status === 'passing')) &&
        leaders.length === 1 &&
        leaders[0].Service.ID === leader.nodeId
      );
    });
    const entry = (await services()).find((e) => e.Service.ID === leader.nodeId);
    assert.equal(entry?.Service.Meta?.cluster_id, CLUSTER_ID);
    assert.equal(entry?.Service.Port, leader.spec.httpPort);
    assert.deepEqual(
      entry?.Checks.filter((c) => c.ServiceID === leader.nodeId)
        .map((c) => c.Type)
        .sort(),
      ['http', 'ttl'],
    );
  });

  it('after a leader change the tags show the new leader; the killed node turns critical, then goes', async () => {
    const leader = await leaderOf(nodes);
    const rest = nodes.filter((n) => n !== leader);
    const killedAt = Date.now();
    await leader.kill();
    let critical = 0;
    let deregistered = 0;
    await waitWithLogs(
      'a new leader tag, the old one critical then deregistered',
      90_000,
      async () => {
        const entries = await services();
        const old = entries.find((e) => e.Service.ID === leader.nodeId);
        if (!critical && old?.Checks.some((c) => c.Status === 'critical')) {
          critical = Date.now() - killedAt;
        }
        if (critical && !deregistered && !old) deregistered = Date.now() - killedAt;
        const leaders = entries
          .filter((e) => e.Service.ID !== leader.nodeId && e.Service.Tags.includes('leader'))
          .map((e) => e.Service.ID);
        return (
          deregistered > 0 && leaders.length === 1 && rest.some((n) => n.nodeId === leaders[0])
        );
      },
    );
    console.log(
      `consul: a killed node was critical after ${critical} ms and deregistered after ${deregistered} ms (time scale ${TIME_SCALE})`,
    );
    const stale = (await services()).filter(
      (e) => e.Service.Tags.includes('leader') && e.Service.ID === leader.nodeId,
    );
    assert.deepEqual(stale, [], 'no stale leader tag is left');
    leader.start();
    await leader.waitUntilLive();
    await awaitAgreement(nodes, 60_000);
    await waitWithLogs('the restarted node to register again', 20_000, async () =>
      (await services()).some((e) => e.Service.ID === leader.nodeId),
    );
  });

  it('keeps taking writes while the Consul agent is down', async () => {
    const register = await callRetrying(nodes[0], 'POST', '/uavs/uav-consul-1/register', {});
    assert.equal(
      register.status,
      200,
      `${JSON.stringify(register.body)}\n${nodes.map((n) => tail(n, 25)).join('\n')}`,
    );
    await consul.stop();
    try {
      for (let i = 0; i < 5; i++) {
        const created = await callRetrying(
          nodes[i % 3],
          'POST',
          '/missions',
          missionBody(`consul-down-${i}`, 'uav-consul-1'),
        );
        assert.equal(created.status, 201, JSON.stringify(created.body));
      }
      await waitFor('discovery to report degraded', 15_000, async () => {
        const health = await call<{ details: { discovery: { state: string } } }>(
          nodes[1],
          'GET',
          '/health',
        );
        return health.status === 200 && health.body.details.discovery.state === 'degraded';
      });
    } finally {
      await consul.start();
    }
    await waitWithLogs('every node registered again', 30_000, async () => {
      return (await services()).length === 3;
    });
  });
});
