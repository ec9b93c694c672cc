import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  awaitAgreement,
  awaitSameAppliedIndex,
  call,
  HttpAnswer,
  queryNode,
  sleep,
  startCluster,
} from '../../../test/support/cluster';
import { dropDatabases, NodeProcess, waitFor } from '../../../test/support/node-process';

/** Telemetry end to end on three real nodes: ingress, sharing outside Raft, heartbeats, metrics. */

const SYNC_INTERVAL_MS = 200;
const OFFLINE_AFTER_S = 3;
const OFFLINE_AFTER_MS = OFFLINE_AFTER_S * 1000;

type Json = Record<string, unknown>;

interface UavTelemetry {
  uav_id: string;
  node_id: string;
  latest: Json & { timestamp_ns: string; position: Json };
  age_ms: number;
  samples?: Array<Json & { timestamp_ns: string }>;
}

function show(answer: HttpAnswer<unknown>): string {
  return `${answer.status} ${JSON.stringify(answer.body)}`;
}

/** A timestamp_ns `agoMs` before now, as the decimal string the wire carries. */
function stamp(agoMs = 0): string {
  return (BigInt(Date.now() - agoMs) * 1_000_000n).toString();
}

function sample(uavId: string, timestampNs: string, lat = 48.1, battery = 77): Json {
  return {
    uav_id: uavId,
    timestamp_ns: timestampNs,
    position: { lat, lon: 11.5, alt: 120 },
    attitude: { roll: 0, pitch: 0.1, yaw: 1.5 },
    velocity: { vx: 3, vy: 0, vz: -0.2 },
    battery: { percent: battery, voltage_mv: 15_600 },
    gps: { fix_type: 3, num_sat: 11 },
    link_quality: 0.9,
    flight_mode: 'AUTO',
  };
}

/** One series of a metric in the Prometheus text, 0 when absent. */
async function metric(node: NodeProcess, name: string, labels = ''): Promise<number> {
  const response = await fetch(`${node.url}/metrics`);
  assert.equal(response.status, 200);
  const text = await response.text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('telemetry on a three-node cluster', { timeout: 150_000 }, () => {
  let nodes: NodeProcess[] = [];

  before(async () => {
    nodes = await startCluster(['tele1', 'tele2', 'tele3'], {
      UAV_SYNC_INTERVAL_MS: String(SYNC_INTERVAL_MS),
      UAV_OFFLINE_AFTER_S: String(OFFLINE_AFTER_S),
      TELEMETRY_WINDOW: '5',
    });
    await awaitAgreement(nodes);
  });

  after(async () => {
    await Promise.all(nodes.map((n) => n.kill()));
    await dropDatabases();
  });

  it(
    'keeps the good samples of a batch, reports the bad by position, and every node answers the latest',
    { timeout: 30_000 },
    async () => {
      const [a, b, c] = nodes;
      const older = stamp(2_000);
      const newest = stamp(1_000);
      // The newest sample comes first: newest timestamp wins, not arrival order.
      const batch = await call<Json>(a, 'POST', '/ingress/telemetry', [
        sample('uav-tel-a', newest, 10),
        sample('uav-tel-a', older, 20),
        { ...sample('uav-tel-a', stamp()), position: { lat: 123, lon: 0, alt: 0 } },
        { uav_id: 'uav-tel-a', position: { lat: 1, lon: 1, alt: 1 } },
      ]);
      assert.equal(batch.status, 202, show(batch));
      assert.equal(batch.body.accepted, 2);
      assert.deepEqual(
        (batch.body.rejected as Json[]).map((r) => [r.index, r.field]),
        [
          [2, 'position.lat'],
          [3, 'timestamp_ns'],
        ],
      );

      for (const node of [a, b, c]) {
        let answer: HttpAnswer<UavTelemetry> | undefined;
        await waitFor(`uav-tel-a's latest on ${node.nodeId}`, 10_000, async () => {
          answer = await call<UavTelemetry>(node, 'GET', '/uavs/uav-tel-a/telemetry');
          return answer.status === 200 && answer.body.latest.timestamp_ns === newest;
        });
        const body = (answer as HttpAnswer<UavTelemetry>).body;
        assert.equal(body.node_id, node.nodeId);
        assert.equal(body.latest.position.lat, 10);
        assert.equal(typeof body.age_ms, 'number');
        assert.ok(body.age_ms >= 1_000, `age_ms ${body.age_ms} of a sample a second old`);
      }

      // The window after a timestamp, oldest first; a peer's copy holds the late sample too.
      await waitFor('both samples on tele3', 10_000, async () => {
        const answer = await call<UavTelemetry>(c, 'GET', `/uavs/uav-tel-a/telemetry?since=1`);
        return answer.body.samples?.length === 2;
      });
      const window = await call<UavTelemetry>(c, 'GET', `/uavs/uav-tel-a/telemetry?since=1`);
      assert.deepEqual(
        window.body.samples?.map((s) => s.timestamp_ns),
        [older, newest],
      );
      const after = await call<UavTelemetry>(a, 'GET', `/uavs/uav-tel-a/telemetry?since=${older}`);
      assert.deepEqual(
        after.body.samples?.map((s) => s.timestamp_ns),
        [newest],
      );

      const badSince = await call<Json>(a, 'GET', '/uavs/uav-tel-a/telemetry?since=yesterday');
      assert.equal(badSince.status, 400, show(badSince));
      assert.deepEqual(
        (badSince.body.details as Json[]).map((d) => d.field),
        ['since'],
      );
      const unknown = await call<Json>(b, 'GET', '/uavs/uav-tel-nobody/telemetry');
      assert.equal(unknown.status, 404, show(unknown));

      const allBad = await call<Json>(a, 'POST', '/ingress/telemetry', {
        samples: [
          { ...sample('uav-tel-a', stamp()), battery: { percent: 140 } },
          { ...sample('uav-tel-a', stamp()), link_quality: 'good' },
        ],
      });
      assert.equal(allBad.status, 400, show(allBad));
      assert.equal(allBad.body.error, 'Bad Request');
      assert.deepEqual(
        (allBad.body.details as Json[]).map((d) => d.field),
        ['samples[0].battery.percent', 'samples[1].link_quality'],
      );

      const single = await call<Json>(b, 'POST', '/ingress/telemetry', {
        ...sample('uav-tel-b', stamp()),
        position: { lat: 1, lon: 200, alt: 0 },
      });
      assert.equal(single.status, 400, show(single));
      assert.deepEqual(
        (single.body.details as Json[]).map((d) => d.field),
        ['position.lon'],
      );
    },
  );

  it(
    'a registered UAV that only sends telemetry stays ONLINE past the offline timeout; old samples keep none alive',
    { timeout: 40_000 },
    async () => {
      for (const id of ['uav-tel-steady', 'uav-tel-silent']) {
        const answer = await call(nodes[0], 'POST', `/uavs/${id}/register`, { battery: 50 });
        assert.equal(answer.status, 200, show(answer));
      }
      await awaitSameAppliedIndex(nodes);

      let sending = true;
      const failures: string[] = [];
      const sender = (async () => {
        for (let n = 0; sending; n++) {
          try {
            const answer = await call(nodes[n % 3], 'POST', '/ingress/telemetry', [
              sample('uav-tel-steady', stamp(), 45 + n / 1000, 60),
              // Telemetry of a UAV nobody registered: never becomes a UAV.
              sample('uav-tel-unregistered', stamp(), 45, 60),
              // Samples a minute old are no sign of life: uav-tel-silent still goes OFFLINE.
              sample('uav-tel-silent', stamp(60_000), 45, 60),
            ]);
            if (answer.status !== 202) failures.push(show(answer));
          } catch (error) {
            failures.push(String(error));
          }
          await sleep(250);
        }
      })();
      const offlineSightings: string[] = [];
      try {
        const started = Date.now();
        await waitFor(
          'uav-tel-silent OFFLINE on every node',
          OFFLINE_AFTER_MS + 6_000,
          async () => {
            const statuses = await Promise.all(
              nodes.map(async (node) => {
                const rows = await queryNode<{ uav_id: string; status: string }>(
                  node,
                  `SELECT uav_id, status FROM uavs WHERE uav_id IN ('uav-tel-steady', 'uav-tel-silent')`,
                );
                for (const row of rows) {
                  if (row.uav_id === 'uav-tel-steady' && row.status === 'OFFLINE')
                    offlineSightings.push(node.nodeId);
                }
                return rows.find((r) => r.uav_id === 'uav-tel-silent')?.status;
              }),
            );
            return statuses.every((s) => s === 'OFFLINE');
          },
        );
        // Keep sending a while past the timeout, still watching.
        while (Date.now() - started < OFFLINE_AFTER_MS + 1_500) {
          for (const node of nodes) {
            const rows = await queryNode<{ status: string }>(
              node,
              `SELECT status FROM uavs WHERE uav_id = 'uav-tel-steady'`,
            );
            if (rows[0]?.status === 'OFFLINE') offlineSightings.push(node.nodeId);
          }
          await sleep(200);
        }
      } finally {
        sending = false;
        await sender;
      }
      assert.deepEqual(failures, []);
      assert.deepEqual(offlineSightings, [], 'uav-tel-steady was seen OFFLINE');
      for (const node of nodes) {
        const rows = await queryNode<{ status: string; battery: number; position: Json }>(
          node,
          `SELECT status, battery, position FROM uavs WHERE uav_id = 'uav-tel-steady'`,
        );
        assert.equal(rows[0]?.status, 'ONLINE', node.nodeId);
        // Position and battery came from the telemetry, through the periodic sync.
        assert.equal(Number(rows[0]?.battery), 60, node.nodeId);
        assert.ok(Number(rows[0]?.position.lat) >= 45, JSON.stringify(rows[0]));
        const stray = await queryNode(
          node,
          `SELECT 1 FROM uavs WHERE uav_id = 'uav-tel-unregistered'`,
        );
        assert.equal(stray.length, 0, `${node.nodeId} registered a UAV from telemetry alone`);
      }
    },
  );

  it(
    'takes a batch of thousands of samples (4 MiB limit); beyond the limit a 413 says what to do',
    { timeout: 30_000 },
    async () => {
      const [a] = nodes;
      const samples = Array.from({ length: 3_000 }, (_, i) =>
        sample('uav-tel-big', stamp(5_000 - i)),
      );
      const size = JSON.stringify(samples).length;
      assert.ok(size > 100 * 1024, `a batch of ${size} bytes is within the default 100 KB`);
      const big = await call<Json>(a, 'POST', '/ingress/telemetry', { samples });
      assert.equal(big.status, 202, show(big));
      assert.equal(big.body.accepted, 3_000);

      // Valid JSON padded past 4 MiB.
      const tooBig = `{"samples": [${' '.repeat(4 * 1024 * 1024)}${JSON.stringify(samples[0])}]}`;
      const response = await fetch(`${a.url}/ingress/telemetry`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: tooBig,
      });
      const refused = (await response.json()) as Json;
      assert.equal(response.status, 413, JSON.stringify(refused));
      assert.equal(refused.statusCode, 413);
      assert.equal(refused.error, 'Payload Too Large');
      assert.match(String(refused.message), /smaller batches/);
      assert.deepEqual(
        (refused.details as Json[]).map((d) => d.field),
        ['body'],
      );

      const malformed = await fetch(`${a.url}/ingress/telemetry`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"samples": [',
      });
      const malformedBody = (await malformed.json()) as Json;
      assert.equal(malformed.status, 400, JSON.stringify(malformedBody));
      assert.deepEqual(
        (malformedBody.details as Json[]).map((d) => d.field),
        ['body'],
      );

      // Other routes keep the default 100 KB, refused in the API's shape, never as a 500.
      const heartbeat = await call<Json>(a, 'POST', '/uavs/uav-tel-big/heartbeat', {
        metadata: { note: 'x'.repeat(200 * 1024) },
      });
      assert.equal(heartbeat.status, 413, show(heartbeat));
      assert.deepEqual(
        (heartbeat.body.details as Json[]).map((d) => d.field),
        ['body'],
      );
      const notJson = await fetch(`${a.url}/missions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"name": ',
      });
      const notJsonBody = (await notJson.json()) as Json;
      assert.equal(notJson.status, 400, JSON.stringify(notJsonBody));
      assert.deepEqual(
        (notJsonBody.details as Json[]).map((d) => d.field),
        ['body'],
        JSON.stringify(notJsonBody),
      );
    },
  );

  it('counts what it took in, refused and shared in /metrics', { timeout: 30_000 }, async () => {
    const [a, b] = nodes;
    const accepted = 'falconmind_telemetry_samples_accepted_total';
    const rejected = 'falconmind_telemetry_samples_rejected_total';
    const before = {
      httpA: await metric(a, accepted, '{source="http"}'),
      rejectedA: await metric(a, rejected, '{source="http"}'),
      peerB: await metric(b, accepted, '{source="peer"}'),
      sentA: await metric(a, 'falconmind_peer_telemetry_sent_total'),
    };
    const samples = Array.from({ length: 30 }, (_, i) =>
      sample('uav-tel-metrics', stamp(1_000 - i)),
    );
    samples.push({ uav_id: 'uav-tel-metrics' });
    const answer = await call<Json>(a, 'POST', '/ingress/telemetry', samples);
    assert.equal(answer.status, 202, show(answer));
    assert.equal(answer.body.accepted, 30);

    assert.equal(await metric(a, accepted, '{source="http"}'), before.httpA + 30);
    assert.equal(await metric(a, rejected, '{source="http"}'), before.rejectedA + 1);
    await waitFor('the samples counted on tele2 as from a peer', 10_000, async () => {
      return (await metric(b, accepted, '{source="peer"}')) >= before.peerB + 30;
    });
    await waitFor('the samples counted as sent to both peers', 10_000, async () => {
      return (await metric(a, 'falconmind_peer_telemetry_sent_total')) >= before.sentA + 60;
    });
    assert.equal(await metric(a, 'falconmind_telemetry_samples_shed_total', '{source="http"}'), 0);
    assert.ok((await metric(a, 'falconmind_raft_term')) >= 1);
    assert.ok((await metric(a, 'falconmind_raft_applied_index')) >= 1);
  });
});
