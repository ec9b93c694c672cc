import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  awaitAgreement,
  awaitSameAppliedIndex,
  call,
  clusterInfo,
  leaderOf,
  loggedCommands,
  missionBody,
  nodeLogEntries,
  queryNode,
  sleep,
  startCluster,
  tail,
} from '../../../test/support/cluster';
import { dropDatabases, NodeProcess, waitFor } from '../../../test/support/node-process';

/**
 * Durability on real node processes: acknowledged writes survive a kill -9 of the leader in the
 * middle of a stream of writes, and a follower that missed more than the log keeps catches up from
 * a snapshot.
 */

const SNAPSHOT_THRESHOLD = 20;

/** Every replicated column of a mission, in a stable order: what must be equal on every node. */
const MISSION_ROWS = `SELECT mission_id, name, description, mission_type, uav_list, payload, state, progress,
  priority, version, created_at, updated_at, started_at, completed_at, create_hash
  FROM missions ORDER BY mission_id`;

interface MissionRow {
  mission_id: string;
  version: number;
  [column: string]: unknown;
}

interface Ack {
  readonly id: string;
  /** When the attempt that succeeded was sent, and when its answer came. */
  readonly sentAt: number;
  readonly at: number;
}

/** When the writers start no new write, and when they give up retrying one. Moved by the test. */
interface Deadlines {
  stopAt: number;
  giveUpAt: number;
}

interface WriteLog {
  readonly attempted: Set<string>;
  readonly acks: Ack[];
  readonly unexpected: string[];
  retries: number;
}

/**
 * One client creating missions with ids of its own, one at a time, through `nodes[first]` while it
 * answers (then the next node). A 503 or a lost connection is retried with the same id and body,
 * which is safe: creating a mission that exists with the same body answers with it. Every id is
 * retried until acknowledged (or `giveUpAt`), so that each attempted id ends acknowledged.
 */
async function writer(
  name: string,
  nodes: readonly NodeProcess[],
  first: number,
  until: Deadlines,
  log: WriteLog,
): Promise<void> {
  let target = first;
  for (let seq = 0; Date.now() < until.stopAt; seq++) {
    const id = `${name}-${String(seq).padStart(5, '0')}`;
    const body = missionBody(id, `uav-${name}`);
    log.attempted.add(id);
    for (;;) {
      if (Date.now() > until.giveUpAt) {
        log.unexpected.push(`${id}: not acknowledged before the deadline`);
        return;
      }
      const sentAt = Date.now();
      try {
        const answer = await call<Record<string, unknown>>(
          nodes[target],
          'POST',
          '/missions',
          body,
          {},
          12_000,
        );
        if (answer.status === 201 || answer.status === 200) {
          if (answer.body.mission_id !== id || answer.body.version !== 1)
            log.unexpected.push(`${id}: answered with ${JSON.stringify(answer.body)}`);
          log.acks.push({ id, sentAt, at: Date.now() });
          break;
        }
        if (answer.status !== 503) {
          log.unexpected.push(`${id}: ${answer.status} ${JSON.stringify(answer.body)}`);
          break;
        }
      } catch (_error) {
        // Connection refused or reset, or no answer in time: try the next node.
        target = (target + 1) % nodes.length;
      }
      log.retries++;
      await sleep(50);
    }
  }
}

async function missionRows(node: NodeProcess): Promise<MissionRow[]> {
  return queryNode<MissionRow>(node, MISSION_ROWS);
}

describe('durability of a three-node cluster', { timeout: 150_000 }, () => {
  let nodes: NodeProcess[] = [];

  before(async () => {
    nodes = await startCluster(['durable1', 'durable2', 'durable3'], {
      SNAPSHOT_THRESHOLD: String(SNAPSHOT_THRESHOLD),
    });
    await awaitAgreement(nodes);
  });

  after(async () => {
    await Promise.all(nodes.map((n) => n.kill()));
    await dropDatabases();
  });

  it(
    'keeps every acknowledged write when the leader is killed -9 mid-stream',
    { timeout: 75_000 },
    async () => {
      const leader = await leaderOf(nodes);
      const log: WriteLog = { attempted: new Set(), acks: [], unexpected: [], retries: 0 };
      const until: Deadlines = { stopAt: Date.now() + 30_000, giveUpAt: Date.now() + 60_000 };
      const writers = nodes.map((_, i) => writer(`w${i + 1}`, nodes, i, until, log));

      // About 2 s of writes (and a few acknowledged ones, on a slow machine) before the kill.
      await sleep(2_000);
      await waitFor('10 acknowledged writes', 10_000, () => log.acks.length >= 10).catch(
        async (error: unknown) => {
          until.stopAt = until.giveUpAt = 0;
          await Promise.all(writers);
          throw error;
        },
      );
      const acksBeforeKill = log.acks.length;
      const killedAt = Date.now();
      await leader.kill();
      // 4 s more of writes after the kill; an id retried then is given 20 s to be acknowledged.
      until.stopAt = killedAt + 4_000;
      until.giveUpAt = until.stopAt + 20_000;
      await Promise.all(writers);

      // Writes succeed again once a request sent after the kill is acknowledged.
      const afterKill = log.acks.filter((ack) => ack.sentAt >= killedAt);
      assert.ok(afterKill.length > 0, 'no write succeeded after the kill');
      const failoverMs = Math.min(...afterKill.map((ack) => ack.at)) - killedAt;
      process.stdout.write(
        `# writes through every node, leader ${leader.nodeId} killed -9: writes succeeded again ${failoverMs} ms after the kill ` +
          `(${log.acks.length} acknowledged, ${acksBeforeKill} before the kill, ${log.retries} retries)\n`,
      );
      assert.deepEqual(log.unexpected, []);
      assert.ok(acksBeforeKill > 0, 'no write succeeded before the kill');
      assert.ok(failoverMs < 6_000, `writes failed for ${failoverMs} ms`);

      leader.start();
      await leader.waitUntilLive();
      await awaitAgreement(nodes);
      await awaitSameAppliedIndex(nodes);

      const acked = new Set(log.acks.map((ack) => ack.id));
      assert.equal(acked.size, log.acks.length, 'a mission id was acknowledged twice');
      // Every id attempted was retried until acknowledged: the sets are the same.
      assert.deepEqual([...acked].sort(), [...log.attempted].sort());

      const tables = await Promise.all(nodes.map(missionRows));
      for (const [i, rows] of tables.entries()) {
        const node = nodes[i];
        const ids = rows.map((row) => row.mission_id);
        const missing = [...acked].filter((id) => !ids.includes(id));
        assert.deepEqual(missing, [], `acknowledged missions missing on ${node.nodeId}`);
        // Nothing but what was attempted, each once, each created once and never changed since.
        const [{ total, distinct }] = await queryNode<{ total: string; distinct: string }>(
          node,
          'SELECT count(*) AS total, count(DISTINCT mission_id) AS distinct FROM missions',
        );
        assert.equal(Number(total), log.attempted.size, `missions on ${node.nodeId}`);
        assert.equal(Number(distinct), log.attempted.size);
        assert.deepEqual(
          rows.filter((row) => row.version !== 1).map((row) => row.mission_id),
          [],
          `missions applied more than once on ${node.nodeId}`,
        );
      }
      // The three tables are identical, row for row, column for column.
      assert.deepEqual(tables[1], tables[0]);
      assert.deepEqual(tables[2], tables[0]);
      const idempotency = await Promise.all(
        nodes.map((node) =>
          queryNode(
            node,
            'SELECT key, command_hash, applied_index FROM fleet_idempotency ORDER BY key',
          ),
        ),
      );
      assert.deepEqual(idempotency[1], idempotency[0]);
      assert.deepEqual(idempotency[2], idempotency[0]);

      // No request is in any log twice, and the nodes' logs agree wherever they overlap.
      const logs = await Promise.all(nodes.map((node) => loggedCommands(node)));
      for (const [i, entries] of logs.entries()) {
        const requestIds = entries.map((e) => e.requestId);
        assert.equal(
          new Set(requestIds).size,
          requestIds.length,
          `a request id twice in ${nodes[i].nodeId}'s log`,
        );
      }
      const byIndex = new Map(logs[0].map((e) => [e.index, e]));
      for (const entries of logs.slice(1)) {
        for (const entry of entries) {
          const other = byIndex.get(entry.index);
          if (other)
            assert.deepEqual(entry, other, `entry ${entry.index} differs between the logs`);
        }
      }
    },
  );

  it(
    'catches a follower up from a snapshot after it missed 3 × SNAPSHOT_THRESHOLD writes',
    { timeout: 60_000 },
    async () => {
      const leader = await leaderOf(nodes);
      const [follower, other] = nodes.filter((n) => n !== leader);
      await awaitSameAppliedIndex(nodes);
      await follower.kill();
      const [{ applied_index: stoppedAt }] = await queryNode<{ applied_index: string }>(
        follower,
        'SELECT applied_index FROM raft_applied_state',
      );
      const snapshotBefore = (await clusterInfo(leader))?.snapshot_index ?? 0;

      const writes = 3 * SNAPSHOT_THRESHOLD + 6;
      const ids = Array.from({ length: writes }, (_, i) => `snap-${String(i).padStart(3, '0')}`);
      for (let from = 0; from < ids.length; from += 6) {
        const answers = await Promise.all(
          ids
            .slice(from, from + 6)
            .map((id, j) =>
              call([leader, other][j % 2], 'POST', '/missions', missionBody(id, 'uav-snap')),
            ),
        );
        for (const answer of answers) assert.equal(answer.status, 201, JSON.stringify(answer.body));
      }
      const view = await clusterInfo(leader);
      assert.ok(view, 'the leader does not answer');
      assert.ok(
        view.snapshot_index > snapshotBefore && view.snapshot_index > Number(stoppedAt),
        `snapshot index ${view.snapshot_index} (was ${snapshotBefore}; the follower stopped at ${stoppedAt})`,
      );
      // The leader no longer has the entries the follower needs: only a snapshot can bring it up.
      const first = (await nodeLogEntries(leader))[0]?.index;
      assert.ok(
        first === undefined || first > Number(stoppedAt) + 1,
        `the leader's log starts at ${first}`,
      );

      const mark = follower.logMark();
      const restartedAt = Date.now();
      follower.start();
      await follower.waitUntilLive();
      const liveMs = Date.now() - restartedAt;
      const target = view.commit_index;
      await waitFor(`${follower.nodeId} to apply ${target}`, 20_000, async () => {
        const mine = await clusterInfo(follower);
        return (mine?.applied_index ?? 0) >= target;
      }).catch((error: unknown) => {
        throw new Error(`${String(error)}\n${tail(follower)}\n${tail(leader)}`, { cause: error });
      });
      const catchUpMs = Date.now() - restartedAt;
      const logged = (await nodeLogEntries(follower)).length;
      process.stdout.write(
        `# follower ${follower.nodeId} caught up ${catchUpMs} ms after its restart (${catchUpMs - liveMs} ms after it answered), ` +
          `over ${writes} missed writes; its Raft log holds ${logged} entries\n`,
      );
      assert.ok(logged < writes, `${logged} log entries`);
      assert.match(follower.logsSince(mark), /restored a snapshot/);

      await awaitSameAppliedIndex(nodes);
      const [leaderRows, followerRows] = await Promise.all([
        missionRows(leader),
        missionRows(follower),
      ]);
      assert.ok(ids.every((id) => followerRows.some((row) => row.mission_id === id)));
      assert.deepEqual(followerRows, leaderRows);
    },
  );
});
