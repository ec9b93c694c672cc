import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import {
  awaitAgreement,
  awaitSameAppliedIndex,
  call,
  callRetrying,
  clusterInfo,
  HttpAnswer,
  leaderOf,
  loggedCommands,
  missionBody,
  queryNode,
  sleep,
  startCluster,
  tail,
} from '../../../test/support/cluster';
import { dropDatabases, NodeProcess, waitFor } from '../../../test/support/node-process';

/** The fleet API end to end, on three real node processes (DESIGN.md, "HTTP API"). */

const SYNC_INTERVAL_MS = 200;
const OFFLINE_AFTER_S = 3;
const OFFLINE_AFTER_MS = OFFLINE_AFTER_S * 1000;

type Json = Record<string, unknown>;

interface Problem {
  field: string;
  reason: string;
}

function show(answer: HttpAnswer<unknown>): string {
  return `${answer.status} ${JSON.stringify(answer.body)}`;
}

function fieldsOf(answer: HttpAnswer<Json>): string[] {
  return ((answer.body.details ?? []) as Problem[]).map((d) => d.field);
}

/** The headers every fleet answer carries: who served it, in what term, at what applied index. */
function assertRaftHeaders(answer: HttpAnswer<unknown>, node: NodeProcess): number {
  assert.equal(answer.headers.get('x-raft-node'), node.nodeId);
  assert.match(answer.headers.get('x-raft-term') ?? '', /^\d+$/);
  const applied = answer.headers.get('x-raft-applied-index') ?? '';
  assert.match(applied, /^\d+$/);
  return Number(applied);
}

function appliedIndexOf(answer: HttpAnswer<unknown>): number {
  const value = Number(answer.headers.get('x-raft-applied-index'));
  assert.ok(Number.isSafeInteger(value) && value > 0, `X-Raft-Applied-Index of ${show(answer)}`);
  return value;
}

describe('the fleet API on a three-node cluster', { timeout: 150_000 }, () => {
  let nodes: NodeProcess[] = [];

  before(async () => {
    nodes = await startCluster(['fleet1', 'fleet2', 'fleet3'], {
      UAV_SYNC_INTERVAL_MS: String(SYNC_INTERVAL_MS),
      UAV_OFFLINE_AFTER_S: String(OFFLINE_AFTER_S),
    });
    await awaitAgreement(nodes);
  });

  after(async () => {
    await Promise.all(nodes.map((n) => n.kill()));
    await dropDatabases();
  });

  it(
    'serves the REST API through every node, at every read consistency',
    { timeout: 30_000 },
    async () => {
      const [a, b, c] = nodes;

      const registered = await callRetrying<Json>(a, 'POST', '/uavs/uav-api-1/register', {
        battery: 90,
        position: { lat: 1.5, lon: 1.5, alt: 10 },
        capabilities: { max_altitude: 120 },
      });
      assert.equal(registered.status, 200, show(registered));
      assertRaftHeaders(registered, a);
      assert.equal(registered.body.uav_id, 'uav-api-1');
      assert.equal(registered.body.status, 'ONLINE');

      const created = await callRetrying<Json>(
        b,
        'POST',
        '/missions',
        missionBody('mission-api-1', 'uav-api-1'),
      );
      assert.equal(created.status, 201, show(created));
      assertRaftHeaders(created, b);
      assert.equal(created.body.mission_id, 'mission-api-1');
      assert.equal(created.body.state, 'PENDING');
      assert.equal(created.body.version, 1);

      const dispatched = await call<Json>(c, 'POST', '/missions/mission-api-1/dispatch');
      assert.equal(dispatched.status, 200, show(dispatched));
      assertRaftHeaders(dispatched, c);
      assert.equal(dispatched.body.state, 'RUNNING');
      assert.equal(dispatched.body.version, 2);
      const writeIndex = appliedIndexOf(dispatched);

      for (const node of nodes) {
        // Linearizable and lease reads observe every acknowledged write, on any node, at once.
        for (const consistency of ['linearizable', 'lease']) {
          const read = await call<Json>(
            node,
            'GET',
            `/missions/mission-api-1?consistency=${consistency}`,
          );
          assert.equal(read.status, 200, `${consistency} on ${node.nodeId}: ${show(read)}`);
          assert.equal(read.body.state, 'RUNNING', `${consistency} on ${node.nodeId}`);
          assert.equal(read.headers.get('etag'), '"2"');
          const applied = assertRaftHeaders(read, node);
          assert.ok(
            applied >= writeIndex,
            `${consistency} on ${node.nodeId} at ${applied} < ${writeIndex}`,
          );
        }
        // A stale read may lag; it catches up within a moment.
        await waitFor(`a stale read on ${node.nodeId} to see the dispatch`, 5_000, async () => {
          const read = await call<Json>(node, 'GET', '/missions/mission-api-1?consistency=stale');
          assert.equal(read.status, 200, show(read));
          assertRaftHeaders(read, node);
          // A number, unless this node knows no leader at this moment.
          assert.match(read.headers.get('x-raft-last-contact-ms') ?? '', /^(\d+|unknown)$/);
          return read.body.state === 'RUNNING';
        });
      }

      // Read-your-writes across nodes: min_index = the write's applied index, on the other nodes.
      for (const node of [a, b]) {
        const read = await call<Json>(
          node,
          'GET',
          `/missions/mission-api-1?consistency=stale&min_index=${writeIndex}`,
        );
        assert.equal(read.status, 200, show(read));
        assert.equal(read.body.state, 'RUNNING');
        assert.equal(read.body.version, 2);
        assert.ok(assertRaftHeaders(read, node) >= writeIndex);
        const uav = await call<Json>(
          node,
          'GET',
          `/uavs/uav-api-1?consistency=stale&min_index=${writeIndex}`,
        );
        assert.equal(uav.status, 200, show(uav));
        assert.equal(uav.body.current_mission_id, 'mission-api-1');
        assert.equal(uav.body.battery, 90);
      }

      const running = await call<{ items: Json[] }>(
        a,
        'GET',
        '/missions?state=RUNNING&uav_id=uav-api-1&consistency=lease',
      );
      assert.equal(running.status, 200, show(running));
      assertRaftHeaders(running, a);
      assert.deepEqual(
        running.body.items.map((m) => m.mission_id),
        ['mission-api-1'],
      );
      const uavs = await call<{ items: Json[] }>(b, 'GET', '/uavs?consistency=linearizable');
      assert.equal(uavs.status, 200, show(uavs));
      assert.ok(
        uavs.body.items.some((u) => u.uav_id === 'uav-api-1'),
        show(uavs),
      );

      // The rest of the life of a mission, each step through another node.
      const paused = await call<Json>(a, 'POST', '/missions/mission-api-1/pause', undefined, {
        'If-Match': '"2"',
      });
      assert.equal(paused.status, 200, show(paused));
      assert.equal(paused.body.state, 'PAUSED');
      const resumed = await call<Json>(b, 'POST', '/missions/mission-api-1/resume', {
        expected_version: 3,
      });
      assert.equal(resumed.status, 200, show(resumed));
      assert.equal(resumed.body.state, 'RUNNING');
      const progress = await call<Json>(c, 'POST', '/missions/mission-api-1/progress', {
        progress: 0.5,
      });
      assert.equal(progress.status, 200, show(progress));
      assert.equal(progress.body.progress, 0.5);
      const done = await call<Json>(a, 'POST', '/missions/mission-api-1/progress', {
        progress: 1,
        state: 'SUCCEEDED',
      });
      assert.equal(done.status, 200, show(done));
      assert.equal(done.body.state, 'SUCCEEDED');
      assert.equal(done.body.version, 6);
      const freed = await call<Json>(
        c,
        'GET',
        `/uavs/uav-api-1?consistency=stale&min_index=${appliedIndexOf(done)}`,
      );
      assert.equal(freed.body.current_mission_id, null, show(freed));

      const removed = await call<Json>(b, 'DELETE', '/missions/mission-api-1');
      assert.equal(removed.status, 200, show(removed));
      const removedAt = appliedIndexOf(removed);
      for (const node of nodes) {
        const gone = await call<Json>(
          node,
          'GET',
          `/missions/mission-api-1?consistency=stale&min_index=${removedAt}`,
        );
        assert.equal(gone.status, 404, `${node.nodeId}: ${show(gone)}`);
      }
    },
  );

  it(
    'creates idempotently, checks versions, and names the fields of a bad request',
    { timeout: 30_000 },
    async () => {
      const [a, b, c] = nodes;
      const body = missionBody('mission-idem-1', 'uav-idem-1');

      const first = await callRetrying<Json>(a, 'POST', '/missions', body);
      assert.equal(first.status, 201, show(first));
      const again = await callRetrying<Json>(b, 'POST', '/missions', body);
      assert.ok([200, 201].includes(again.status), show(again));
      assert.deepEqual(again.body, first.body);
      const different = await call<Json>(c, 'POST', '/missions', {
        ...body,
        name: 'another survey',
      });
      assert.equal(different.status, 409, show(different));
      assert.match(String(different.body.message), /mission-idem-1/);

      // Without a mission id, an Idempotency-Key makes the retry land on the same mission.
      const keyed = missionBody(undefined, 'uav-idem-1', { name: 'keyed survey' });
      const headers = { 'Idempotency-Key': 'create-keyed-survey-1' };
      const k1 = await callRetrying<Json>(a, 'POST', '/missions', keyed, headers);
      assert.equal(k1.status, 201, show(k1));
      const k2 = await callRetrying<Json>(c, 'POST', '/missions', keyed, headers);
      assert.ok([200, 201].includes(k2.status), show(k2));
      assert.equal(k2.body.mission_id, k1.body.mission_id);
      assert.equal(k2.body.created_at, k1.body.created_at);
      const k3 = await call<Json>(b, 'POST', '/missions', { ...keyed, priority: 9 }, headers);
      assert.equal(k3.status, 409, show(k3));
      const count = await queryNode<{ n: string }>(
        b,
        `SELECT count(*) AS n FROM missions WHERE name = 'keyed survey'`,
      );
      assert.equal(count[0].n, '1');

      // Optimistic concurrency: a wrong version is refused with the current one.
      const wrong = await call<Json>(b, 'POST', '/missions/mission-idem-1/cancel', undefined, {
        'If-Match': '"7"',
      });
      assert.equal(wrong.status, 409, show(wrong));
      assert.equal(wrong.body.code, 'version_mismatch');
      assert.match(String(wrong.body.message), /version 1\b.*expected 7/);
      const wrongDelete = await call<Json>(c, 'DELETE', '/missions/mission-idem-1', undefined, {
        'If-Match': '3',
      });
      assert.equal(wrongDelete.status, 409, show(wrongDelete));
      assert.match(String(wrongDelete.body.message), /version 1\b/);
      const badIfMatch = await call<Json>(a, 'POST', '/missions/mission-idem-1/cancel', undefined, {
        'If-Match': 'yesterday',
      });
      assert.equal(badIfMatch.status, 400, show(badIfMatch));
      assert.deepEqual(fieldsOf(badIfMatch), ['If-Match']);
      const right = await call<Json>(a, 'POST', '/missions/mission-idem-1/cancel', undefined, {
        'If-Match': '"1"',
      });
      assert.equal(right.status, 200, show(right));
      assert.equal(right.body.state, 'CANCELLED');
      assert.equal(right.body.version, 2);
      const notAgain = await call<Json>(b, 'POST', '/missions/mission-idem-1/dispatch');
      assert.equal(notAgain.status, 409, show(notAgain));

      // Bad input: 400, each problem tied to its field.
      const invalid = await call<Json>(
        a,
        'POST',
        '/missions',
        missionBody('mission-bad-1', 'uav-idem-1', {
          mission_type: 'SWARM',
          payload: {
            search_area: [
              { lat: 100, lon: 1 },
              { lat: 1, lon: 2 },
              { lat: 2, lon: 2 },
            ],
            search_params: { pattern: 'LAWN_MOWER' },
          },
        }),
      );
      assert.equal(invalid.status, 400, show(invalid));
      assert.deepEqual(fieldsOf(invalid).sort(), ['mission_type', 'payload.search_area[0].lat']);
      const incomplete = await call<Json>(b, 'POST', '/missions', {
        mission_id: 'bad id!',
        mission_type: 'SINGLE_UAV',
        uav_list: ['u-1', 'u-2'],
        payload: { search_params: { pattern: 'LAWN_MOWER' } },
        at: 1,
      });
      assert.equal(incomplete.status, 400, show(incomplete));
      assert.deepEqual(fieldsOf(incomplete), ['at']);
      const missing = await call<Json>(b, 'POST', '/missions', {
        mission_id: 'bad id!',
        mission_type: 'SINGLE_UAV',
        uav_list: ['u-1', 'u-2'],
        payload: { search_params: { pattern: 'LAWN_MOWER' } },
      });
      assert.equal(missing.status, 400, show(missing));
      assert.deepEqual(fieldsOf(missing).sort(), [
        'mission_id',
        'name',
        'payload.search_area',
        'priority',
        'uav_list',
      ]);
      const badRead = await call<Json>(
        c,
        'GET',
        '/missions/mission-idem-1?consistency=eventual&min_index=-1',
      );
      assert.equal(badRead.status, 400, show(badRead));
      assert.deepEqual(fieldsOf(badRead).sort(), ['consistency', 'min_index']);
      const misplaced = await call<Json>(c, 'GET', '/missions?max_staleness_ms=5&state=FLYING');
      assert.equal(misplaced.status, 400, show(misplaced));
      assert.deepEqual(fieldsOf(misplaced).sort(), ['max_staleness_ms', 'state']);

      const uav = await call<Json>(c, 'POST', '/uavs/uav-idem-1/register', { status: 'FLYING' });
      assert.equal(uav.status, 400, show(uav));
      assert.deepEqual(fieldsOf(uav), ['status']);
      const registered = await call<Json>(c, 'POST', '/uavs/uav-idem-1/register', {});
      assert.equal(registered.status, 200, show(registered));
      const badBeat = await call<Json>(a, 'POST', '/uavs/uav-idem-1/heartbeat', {
        battery: 150,
        position: { lat: 1, lon: 200 },
      });
      assert.equal(badBeat.status, 400, show(badBeat));
      assert.deepEqual(fieldsOf(badBeat).sort(), ['battery', 'position.lon']);
      const wrongUav = await call<Json>(
        a,
        'POST',
        '/uavs/uav-idem-1/register',
        {},
        { 'If-Match': '5' },
      );
      assert.equal(wrongUav.status, 409, show(wrongUav));
      assert.match(String(wrongUav.body.message), /is at version \d+, not the expected 5/);

      // Unknown ids: 404, through any node, on reads and on writes.
      const unknownReads = await Promise.all([
        call(a, 'GET', '/missions/no-such-mission'),
        call(b, 'GET', '/missions/no-such-mission?consistency=stale'),
        call(c, 'GET', '/uavs/no-such-uav?consistency=lease'),
      ]);
      assert.deepEqual(
        unknownReads.map((r) => r.status),
        [404, 404, 404],
      );
      const unknownWrites = await Promise.all([
        call(a, 'POST', '/missions/no-such-mission/dispatch'),
        call(b, 'DELETE', '/missions/no-such-mission'),
        call(c, 'POST', '/missions/no-such-mission/progress', { progress: 0.1 }),
        call(a, 'POST', '/uavs/no-such-uav/heartbeat', { battery: 50 }),
        call(b, 'POST', '/missions/mission-idem-1/fly'),
      ]);
      assert.deepEqual(
        unknownWrites.map((r) => r.status),
        [404, 404, 404, 404, 404],
        JSON.stringify(unknownWrites.map((r) => r.body)),
      );
    },
  );

  it(
    "reports a follower's staleness, and refuses a read staler than max_staleness_ms",
    { timeout: 20_000 },
    async () => {
      const leader = await leaderOf(nodes);
      const followers = nodes.filter((n) => n !== leader);
      const onLeader = await call<Json>(
        leader,
        'GET',
        '/uavs/uav-idem-1?consistency=stale&max_staleness_ms=0',
      );
      assert.equal(onLeader.status, 200, show(onLeader));
      assert.equal(onLeader.headers.get('x-raft-last-contact-ms'), '0');

      let refused = 0;
      for (const follower of followers) {
        const stale = await call<Json>(follower, 'GET', '/uavs/uav-idem-1?consistency=stale');
        assert.equal(stale.status, 200, show(stale));
        assertRaftHeaders(stale, follower);
        const contact = stale.headers.get('x-raft-last-contact-ms') ?? '';
        assert.match(contact, /^\d+$/);
        // The leader's heartbeats come every tick (50 ms): a follower never hears nothing for long.
        assert.ok(Number(contact) < 1000, `last contact ${contact} ms`);

        const generous = await call<Json>(
          follower,
          'GET',
          '/uavs/uav-idem-1?consistency=stale&max_staleness_ms=5000',
        );
        assert.equal(generous.status, 200, show(generous));

        for (let attempt = 0; attempt < 5; attempt++) {
          const strict = await call<Json>(
            follower,
            'GET',
            '/uavs/uav-idem-1?consistency=stale&max_staleness_ms=0',
          );
          if (strict.status === 200) {
            // Served only if this node heard from the leader within the very millisecond.
            assert.equal(strict.headers.get('x-raft-last-contact-ms'), '0', show(strict));
            continue;
          }
          refused++;
          assert.equal(strict.status, 503, show(strict));
          assert.match(String(strict.body.message), /max_staleness_ms=0/);
          assert.equal(strict.body.retryable, true);
          assert.equal(typeof strict.body.last_contact_ms, 'number');
          assert.ok((strict.body.last_contact_ms as number) > 0, show(strict));
          assert.equal(
            strict.headers.get('x-raft-last-contact-ms'),
            String(strict.body.last_contact_ms),
          );
        }
      }
      process.stdout.write(`# max_staleness_ms=0 refused on followers: ${refused} of 10 reads\n`);
    },
  );

  it(
    'a read by id repeated on a follower sees every change once applied there (the read cache)',
    { timeout: 20_000 },
    async () => {
      const leader = await leaderOf(nodes);
      const follower = nodes.find((n) => n !== leader)!;
      const register = (battery: number): Promise<HttpAnswer<Json>> =>
        callRetrying<Json>(leader, 'POST', '/uavs/uav-cache-1/register', {
          battery,
          position: { lat: 2.5, lon: 2.5, alt: 10 },
        });
      const readOnFollower = (minIndex: number): Promise<HttpAnswer<Json>> =>
        call<Json>(follower, 'GET', `/uavs/uav-cache-1?consistency=stale&min_index=${minIndex}`);

      const absent = await readOnFollower(0);
      assert.equal(absent.status, 404, show(absent));

      const first = await register(50);
      assert.equal(first.status, 200, show(first));
      for (let read = 0; read < 3; read++) {
        const answer = await readOnFollower(appliedIndexOf(first));
        assert.equal(answer.status, 200, show(answer));
        assert.equal(answer.body.battery, 50);
      }

      const second = await register(40);
      assert.equal(second.status, 200, show(second));
      assert.equal(second.body.version, (first.body.version as number) + 1);
      for (let read = 0; read < 3; read++) {
        const answer = await readOnFollower(appliedIndexOf(second));
        assert.equal(answer.status, 200, show(answer));
        assert.equal(answer.body.battery, 40, show(answer));
        // (Not an exact version: the UAV may be marked offline meanwhile, which is a change too.)
        assert.ok((answer.body.version as number) >= second.body.version, show(answer));
      }
    },
  );

  it(
    'batches heartbeats: 1000 heartbeats from three nodes cost a few log entries',
    { timeout: 40_000 },
    async () => {
      const ids = Array.from({ length: 200 }, (_, i) => `hb-${String(i).padStart(3, '0')}`);
      for (let from = 0; from < ids.length; from += 25) {
        const chunk = ids.slice(from, from + 25);
        const answers = await Promise.all(
          chunk.map((id, i) =>
            callRetrying(nodes[(from + i) % 3], 'POST', `/uavs/${id}/register`, { battery: 100 }),
          ),
        );
        for (const answer of answers) assert.equal(answer.status, 200, show(answer));
      }
      await awaitSameAppliedIndex(nodes);
      const leader = await leaderOf(nodes);
      const before = (await clusterInfo(leader))?.commit_index ?? 0;

      const started = Date.now();
      const rounds = 5;
      for (let round = 0; round < rounds; round++) {
        for (let from = 0; from < ids.length; from += 100) {
          const answers = await Promise.all(
            ids.slice(from, from + 100).map((id, j) => {
              const i = from + j;
              return call<Json>(nodes[(i + round) % 3], 'POST', `/uavs/${id}/heartbeat`, {
                battery: 90 - round,
                position: { lat: 10 + i / 1000, lon: 20 + round, alt: 50 + round },
              });
            }),
          );
          for (const answer of answers) {
            assert.equal(answer.status, 202, show(answer));
            assert.equal(answer.body.synced_within_ms, SYNC_INTERVAL_MS);
          }
        }
      }
      const sendingMs = Date.now() - started;
      await sleep(1500);
      const windowMs = Date.now() - started;
      const afterCommit = (await clusterInfo(leader))?.commit_index ?? 0;
      const entries = afterCommit - before;
      const logged = (await loggedCommands(leader, before)).filter((e) => e.index <= afterCommit);
      const syncs = logged.filter((e) => e.command.type === 'SyncUavStates');
      const reports = syncs.reduce((sum, e) => sum + (e.command.reports as unknown[]).length, 0);
      const heartbeats = rounds * ids.length;
      process.stdout.write(
        `# heartbeats: ${heartbeats} heartbeats (sent in ${sendingMs} ms) became ${entries} log entries: ` +
          `${syncs.length} SyncUavStates carrying ${reports} reports, ${logged.length - syncs.length} other\n`,
      );
      assert.ok(syncs.length > 0, 'the heartbeats were never synced');
      // Only the periodic sync and the leader's offline marking write: never one entry a heartbeat.
      assert.deepEqual(
        [...new Set(logged.map((e) => e.command.type))].filter(
          (type) => type !== 'SyncUavStates' && type !== 'MarkUavsOffline',
        ),
        [],
      );
      // At most one sync per node and interval while heartbeats come in (and one more to finish).
      const perInterval = nodes.length * (Math.ceil(windowMs / SYNC_INTERVAL_MS) + 1);
      assert.ok(syncs.length <= perInterval, `${syncs.length} syncs in ${windowMs} ms`);
      // Whatever the speed of the machine: an order of magnitude below one entry a heartbeat.
      assert.ok(entries <= heartbeats / 10, `${entries} log entries for ${heartbeats} heartbeats`);
      // A batch keeps the newest report of each UAV, once (a sync retried after an unknown outcome
      // may carry reports again: applying them twice is harmless, older ones are skipped).
      for (const sync of syncs) {
        const uavIds = (sync.command.reports as Array<{ uav_id: string }>).map((r) => r.uav_id);
        assert.equal(
          new Set(uavIds).size,
          uavIds.length,
          `UAV reported twice in entry ${sync.index}`,
        );
      }

      // The last round is what every node ends with.
      const last = rounds - 1;
      for (const node of nodes) {
        await waitFor(`${node.nodeId} to show the last heartbeats`, 5_000, async () => {
          const rows = await queryNode<{
            uav_id: string;
            battery: number;
            lat: number;
            lon: number;
            alt: number;
          }>(
            node,
            `SELECT uav_id, battery, (position->>'lat')::float8 AS lat, (position->>'lon')::float8 AS lon,
             (position->>'alt')::float8 AS alt FROM uavs WHERE uav_id LIKE 'hb-%' ORDER BY uav_id`,
          );
          return (
            rows.length === ids.length &&
            rows.every(
              (row, i) =>
                row.battery === 90 - last &&
                row.lat === 10 + i / 1000 &&
                row.lon === 20 + last &&
                row.alt === 50 + last,
            )
          );
        });
        const sample = await call<Json>(node, 'GET', '/uavs/hb-123?consistency=stale');
        assert.equal(sample.body.battery, 90 - last, show(sample));
        assert.deepEqual(sample.body.position, {
          lat: 10 + 123 / 1000,
          lon: 20 + last,
          alt: 50 + last,
        });
      }
    },
  );

  it(
    'marks a silent UAV OFFLINE on every node; one that keeps beating stays ONLINE across a leader change',
    { timeout: 40_000 },
    async () => {
      const startIndex = (await clusterInfo(nodes[0]))?.commit_index ?? 0;
      for (const [id, node] of [
        ['uav-silent-1', nodes[0]],
        ['uav-steady-1', nodes[1]],
      ] as const) {
        const answer = await call(node, 'POST', `/uavs/${id}/register`, { battery: 80 });
        assert.equal(answer.status, 200, show(answer));
      }
      // Every node knows them before any heartbeat (a node checks its own table first).
      await awaitSameAppliedIndex(nodes);

      // uav-steady-1 beats every 250 ms, through each node in turn, until told to stop.
      let beating = true;
      const beatFailures: string[] = [];
      const heartbeats = (async () => {
        for (let beat = 0; beating; beat++) {
          try {
            const answer = await call(nodes[beat % 3], 'POST', '/uavs/uav-steady-1/heartbeat', {
              battery: 80,
            });
            if (answer.status !== 202) beatFailures.push(show(answer));
          } catch (error) {
            beatFailures.push(String(error));
          }
          await sleep(250);
        }
      })();
      // Meanwhile, every node's table is watched for uav-steady-1 ever being OFFLINE.
      const offlineSightings: string[] = [];
      let watching = true;
      const databases = nodes.map(
        (node) => new Client({ connectionString: node.spec.databaseUrl }),
      );
      await Promise.all(databases.map((db) => db.connect()));
      const watcher = (async () => {
        while (watching) {
          for (const [i, db] of databases.entries()) {
            const { rows } = await db.query<{ status: string }>(
              `SELECT status FROM uavs WHERE uav_id = 'uav-steady-1'`,
            );
            if (rows[0]?.status === 'OFFLINE')
              offlineSightings.push(`${nodes[i].nodeId} at ${Date.now()}`);
          }
          await sleep(100);
        }
      })();

      try {
        // Its last heartbeat is stamped after this instant: OFFLINE no sooner than the timeout after it.
        const lastBeatAt = Date.now();
        const silentBeat = await call(nodes[2], 'POST', '/uavs/uav-silent-1/heartbeat', {
          battery: 79,
        });
        assert.equal(silentBeat.status, 202, show(silentBeat));
        const offlineStatus = async (id: string): Promise<string[]> =>
          Promise.all(
            nodes.map(async (node) => {
              const rows = await queryNode<{ status: string }>(
                node,
                'SELECT status FROM uavs WHERE uav_id = $1',
                [id],
              );
              return rows[0]?.status ?? 'missing';
            }),
          );
        await waitFor('uav-silent-1 OFFLINE on every node', OFFLINE_AFTER_MS + 4_000, async () =>
          (await offlineStatus('uav-silent-1')).every((s) => s === 'OFFLINE'),
        );
        const silentMs = Date.now() - lastBeatAt;
        process.stdout.write(
          `# a silent UAV was OFFLINE on every node ${silentMs} ms after its last heartbeat\n`,
        );
        assert.ok(silentMs >= OFFLINE_AFTER_MS, `marked OFFLINE after only ${silentMs} ms`);
        for (const node of nodes) {
          const read = await call<Json>(node, 'GET', '/uavs/uav-silent-1?consistency=stale');
          assert.equal(read.body.status, 'OFFLINE', `${node.nodeId}: ${show(read)}`);
        }

        // Hand leadership to a follower, and keep beating for longer than the offline timeout.
        const oldLeader = await leaderOf(nodes);
        const target = nodes.find((n) => n !== oldLeader) as NodeProcess;
        const transfer = await call<Json>(target, 'POST', '/cluster/leader/transfer', {
          node_id: target.nodeId,
        });
        assert.equal(transfer.status, 200, show(transfer));
        await waitFor(
          `${target.nodeId} to lead`,
          10_000,
          async () => (await clusterInfo(target))?.is_leader === true,
        );
        const transferredAt = Date.now();
        await awaitAgreement(nodes);
        // A UAV that goes silent under the new leader is still marked: the new leader does mark.
        const silent2 = await call(oldLeader, 'POST', '/uavs/uav-silent-2/register', {
          battery: 70,
        });
        assert.equal(silent2.status, 200, show(silent2));
        await waitFor(
          'uav-silent-2 OFFLINE on every node (the new leader marks)',
          2 * OFFLINE_AFTER_MS + 4_000,
          async () => (await offlineStatus('uav-silent-2')).every((s) => s === 'OFFLINE'),
        );
        const remaining = transferredAt + OFFLINE_AFTER_MS + 1_500 - Date.now();
        if (remaining > 0) await sleep(remaining);
      } finally {
        beating = false;
        watching = false;
        await Promise.all([heartbeats, watcher]);
        await Promise.all(databases.map((db) => db.end()));
      }

      assert.deepEqual(beatFailures, []);
      assert.deepEqual(offlineSightings, [], 'uav-steady-1 was seen OFFLINE');
      for (const node of nodes) {
        const read = await call<Json>(node, 'GET', '/uavs/uav-steady-1?consistency=linearizable');
        assert.equal(read.body.status, 'ONLINE', `${node.nodeId}: ${show(read)}`);
      }
      // No MarkUavsOffline command ever named it (the logs hold every entry: no snapshot here).
      const marked = (await loggedCommands(nodes[0], startIndex))
        .filter((entry) => entry.command.type === 'MarkUavsOffline')
        .flatMap((entry) => entry.command.uav_ids as string[]);
      assert.ok(
        marked.includes('uav-silent-1') && marked.includes('uav-silent-2'),
        JSON.stringify(marked),
      );
      assert.ok(!marked.includes('uav-steady-1'), `${JSON.stringify(marked)}\n${tail(nodes[0])}`);
    },
  );
});
