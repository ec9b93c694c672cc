import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NodeId, SILENT_LOGGER } from '@falconmind/raft';
import { InMemoryHub, InMemoryTransport } from './in-memory-transport';
import { RaftDriver } from './raft-driver';
import { InMemoryLogStore } from './testing/in-memory-log-store';
import { KeyValueStateMachine } from './testing/key-value-state-machine';

const encoder = new TextEncoder();
const TICK_MS = 5;

/** One node's durable parts: they outlive its driver, as a database outlives a process. */
interface Disk {
  readonly logStore: InMemoryLogStore;
  readonly stateMachine: KeyValueStateMachine;
}

class TestCluster {
  readonly hub = new InMemoryHub();
  readonly disks = new Map<NodeId, Disk>();
  readonly drivers = new Map<NodeId, RaftDriver>();

  constructor(
    readonly ids: readonly NodeId[],
    private readonly snapshotThreshold = 10_000,
    private readonly electionTicks = 10,
  ) {
    for (const id of ids) {
      this.disks.set(id, {
        logStore: new InMemoryLogStore(),
        stateMachine: new KeyValueStateMachine(),
      });
    }
  }

  async start(id: NodeId): Promise<RaftDriver> {
    const disk = this.disks.get(id);
    if (!disk) throw new Error(`unknown node ${id}`);
    const port = this.ids.indexOf(id) + 1;
    const transport = new InMemoryTransport({ hub: this.hub, nodeId: id, host: 'sim', port });
    for (const [i, peer] of this.ids.entries()) {
      if (peer !== id) transport.setPeer({ nodeId: peer, host: 'sim', raftPort: i + 1 });
    }
    const driver = new RaftDriver({
      nodeId: id,
      logStore: disk.logStore,
      stateMachine: disk.stateMachine,
      transport,
      bootstrap: { voters: [...this.ids], learners: [] },
      tickMs: TICK_MS,
      electionTicks: this.electionTicks,
      heartbeatTicks: 1,
      snapshotThreshold: this.snapshotThreshold,
      logger: SILENT_LOGGER,
    });
    await driver.start();
    this.drivers.set(id, driver);
    return driver;
  }

  async startAll(): Promise<void> {
    for (const id of this.ids) await this.start(id);
  }

  async stop(id: NodeId): Promise<void> {
    await this.drivers.get(id)?.stop();
    this.drivers.delete(id);
  }

  async stopAll(): Promise<void> {
    for (const id of [...this.drivers.keys()]) await this.stop(id);
  }

  async leader(timeoutMs = 3000): Promise<RaftDriver> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      for (const driver of this.drivers.values()) {
        if (driver.status().role === 'leader') return driver;
      }
      await sleep(TICK_MS);
    }
    throw new Error('no leader elected');
  }

  state(id: NodeId): Map<string, string> {
    return this.disks.get(id)?.stateMachine.values ?? new Map<string, string>();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function put(key: string, value: string): Uint8Array {
  return encoder.encode(JSON.stringify({ key, value }));
}

async function eventually(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(TICK_MS);
  }
}

async function eventuallyAsync(check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(TICK_MS);
  }
}

describe('RaftDriver', () => {
  it('bootstraps a one-node cluster that elects itself and applies proposals', async () => {
    const cluster = new TestCluster(['a']);
    try {
      const driver = await cluster.start('a');
      const applied = await driver.propose(put('k', 'v1'), 2000);
      assert.equal(applied.outcome.status, 'applied');
      assert.equal(cluster.state('a').get('k'), 'v1');
      assert.equal(driver.status().role, 'leader');
    } finally {
      await cluster.stopAll();
    }
  });

  it('restarts from its durable state without applying anything twice', async () => {
    const cluster = new TestCluster(['a']);
    try {
      const first = await cluster.start('a');
      for (let i = 0; i < 5; i++) await first.propose(put(`k${i}`, `v${i}`), 2000);
      await cluster.stop('a');
      const second = await cluster.start('a');
      await second.propose(put('after', 'restart'), 2000);
      const requests = cluster.disks.get('a')?.stateMachine.appliedRequests ?? [];
      assert.equal(requests.length, 6);
      assert.equal(new Set(requests).size, 6, 'no request applied twice');
      assert.equal(cluster.state('a').get('k4'), 'v4');
    } finally {
      await cluster.stopAll();
    }
  });

  it('persists concurrent proposals together: one write per Ready, not per request', async () => {
    const cluster = new TestCluster(['a']);
    try {
      const driver = await cluster.start('a');
      await driver.propose(put('warm', 'up'), 2000);
      const store = cluster.disks.get('a')?.logStore;
      const before = store?.persistCalls ?? 0;
      await Promise.all(
        Array.from({ length: 200 }, (_, i) => driver.propose(put(`k${i}`, 'v'), 5000)),
      );
      const writes = (store?.persistCalls ?? 0) - before;
      assert.ok(writes < 50, `200 proposals took ${writes} writes`);
      assert.equal(cluster.state('a').size, 201);
    } finally {
      await cluster.stopAll();
    }
  });

  it('sends the proposals of one turn to each follower in one append, not one each', async () => {
    const cluster = new TestCluster(['a', 'b', 'c']);
    try {
      await cluster.startAll();
      const leader = await cluster.leader();
      await leader.propose(put('warm', 'up'), 3000);
      let appendsWithEntries = 0;
      let entriesSent = 0;
      cluster.hub.dropWhen((message) => {
        if (message.type === 'append' && (message.entries?.length ?? 0) > 0) {
          appendsWithEntries++;
          entriesSent += message.entries?.length ?? 0;
        }
        return false;
      });
      // 100 proposals in one turn of the event loop, as requests read together arrive.
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => leader.propose(put(`burst${i}`, 'v'), 5000)),
      );
      assert.ok(entriesSent >= 200, `${entriesSent} entries sent to two followers`);
      assert.ok(
        appendsWithEntries <= 4,
        `100 proposals of one turn went out in ${appendsWithEntries} append messages`,
      );
      assert.equal(cluster.state(leader.nodeId).size, 101);
    } finally {
      await cluster.stopAll();
    }
  });

  it('answers a proposal made on a follower once the follower itself has applied it', async () => {
    const cluster = new TestCluster(['a', 'b', 'c']);
    try {
      await cluster.startAll();
      const leader = await cluster.leader();
      const follower = [...cluster.drivers.values()].find((d) => d !== leader);
      assert.ok(follower);
      await follower.propose(put('written-on', follower.nodeId), 3000);
      assert.equal(cluster.state(follower.nodeId).get('written-on'), follower.nodeId);
    } finally {
      await cluster.stopAll();
    }
  });

  it('gives a linearizable read point on a follower that covers acknowledged writes', async () => {
    const cluster = new TestCluster(['a', 'b', 'c']);
    try {
      await cluster.startAll();
      const leader = await cluster.leader();
      const written = await leader.propose(put('x', '1'), 3000);
      const follower = [...cluster.drivers.values()].find((d) => d !== leader);
      assert.ok(follower);
      const index = await follower.readBarrier(3000);
      assert.ok(index >= written.index);
      assert.equal(cluster.state(follower.nodeId).get('x'), '1');
    } finally {
      await cluster.stopAll();
    }
  });

  it('elects a new leader when the leader stops, and keeps every acknowledged write', async () => {
    const cluster = new TestCluster(['a', 'b', 'c']);
    try {
      await cluster.startAll();
      const leader = await cluster.leader();
      for (let i = 0; i < 10; i++) await leader.propose(put(`k${i}`, `v${i}`), 3000);
      await cluster.stop(leader.nodeId);
      const next = await cluster.leader();
      assert.notEqual(next.nodeId, leader.nodeId);
      await next.propose(put('after', 'failover'), 3000);
      await cluster.start(leader.nodeId);
      await eventually(() => cluster.state(leader.nodeId).get('after') === 'failover');
      for (const id of cluster.ids) {
        for (let i = 0; i < 10; i++)
          assert.equal(cluster.state(id).get(`k${i}`), `v${i}`, `${id} k${i}`);
      }
    } finally {
      await cluster.stopAll();
    }
  });

  it('sends the entries of the leader to the followers while its own write is still in progress', async () => {
    // The leader's Ready loop is held while the followers are watched: a longer election timeout
    // (0.5-1 s) keeps a busy machine from electing another leader meanwhile.
    const cluster = new TestCluster(['a', 'b', 'c'], 10_000, 100);
    let release: (() => void) | undefined;
    try {
      await cluster.startAll();
      const leader = await cluster.leader();
      const followers = cluster.ids.filter((id) => id !== leader.nodeId);
      release = cluster.disks.get(leader.nodeId)?.logStore.holdWrites();
      const proposal = leader.propose(put('sent', 'early'), 5000);
      const index = leader.status().lastIndex;
      let answered = false;
      void proposal.then(
        () => (answered = true),
        () => undefined,
      );

      // The followers get the entry (and write it) although the leader's disk has not written it.
      for (const id of followers) {
        const store = cluster.disks.get(id)?.logStore;
        await eventuallyAsync(async () =>
          ((await store?.load())?.entries ?? []).some((entry) => entry.index === index),
        );
      }
      assert.equal(answered, false, 'nothing is answered before the leader has written its Ready');

      release?.();
      release = undefined;
      assert.equal((await proposal).outcome.status, 'applied');
    } finally {
      release?.();
      await cluster.stopAll();
    }
  });

  it('persists proposals that arrive while earlier entries are being applied', async () => {
    const cluster = new TestCluster(['a']);
    let release: (() => void) | undefined;
    try {
      const driver = await cluster.start('a');
      await driver.propose(put('warm', 'up'), 2000);
      const disk = cluster.disks.get('a');
      assert.ok(disk);
      release = disk.stateMachine.holdApplies();
      const first = driver.propose(put('first', '1'), 5000);
      const lastBefore = driver.status().lastIndex;
      await eventually(() => driver.status().commit >= lastBefore);

      const second = driver.propose(put('second', '2'), 5000);
      await eventuallyAsync(async () =>
        (await disk.logStore.load()).entries.some((entry) => entry.index > lastBefore),
      );
      assert.equal(cluster.state('a').get('first'), undefined, 'the first is still being applied');

      release();
      release = undefined;
      await Promise.all([first, second]);
      assert.equal(cluster.state('a').get('second'), '2');
    } finally {
      release?.();
      await cluster.stopAll();
    }
  });

  it('answers a proposal once its outcome is decided, and moves the applied index only when the apply is durable', async () => {
    const cluster = new TestCluster(['a']);
    let release: (() => void) | undefined;
    try {
      const driver = await cluster.start('a');
      await driver.propose(put('warm', 'up'), 2000);
      const disk = cluster.disks.get('a');
      assert.ok(disk);
      const appliedBefore = driver.stateMachineApplied;
      release = disk.stateMachine.holdCommits();
      const applied = await driver.propose(put('k', 'v'), 2000);
      assert.deepEqual(applied.outcome, { status: 'applied', result: 'v' });
      assert.equal(driver.stateMachineApplied, appliedBefore, 'the apply is not durable yet');
      let readDone = false;
      const read = driver.waitForApplied(applied.index, 2000).then(() => (readDone = true));
      await sleep(10 * TICK_MS);
      assert.equal(readDone, false, 'a read waits for the durable apply');

      release();
      release = undefined;
      await read;
      assert.ok(driver.stateMachineApplied >= applied.index);
    } finally {
      release?.();
      await cluster.stopAll();
    }
  });

  it('writes the hard state of a follower with its entries, not again when only the commit index moves', async () => {
    const cluster = new TestCluster(['a', 'b', 'c']);
    try {
      await cluster.startAll();
      const leader = await cluster.leader();
      await leader.propose(put('warm', 'up'), 3000);
      const follower = cluster.ids.find((id) => id !== leader.nodeId) ?? '';
      const store = cluster.disks.get(follower)?.logStore;
      const before = store?.persistCalls ?? 0;
      for (let i = 0; i < 20; i++) await leader.propose(put(`k${i}`, 'v'), 3000);
      const writes = (store?.persistCalls ?? 0) - before;
      // One write per entry; the commit index that follows each comes with the next entry's write.
      assert.ok(writes <= 25, `20 sequential proposals took ${writes} writes on a follower`);
    } finally {
      await cluster.stopAll();
    }
  });

  it('restarts after compacting past the commit index it last wrote', async () => {
    const cluster = new TestCluster(['a']);
    try {
      const first = await cluster.start('a');
      for (let i = 0; i < 5; i++) await first.propose(put(`k${i}`, `v${i}`), 2000);
      await cluster.stop('a');
      // The commit index that followed the last entry was not written on its own; a compaction at
      // the applied index, as the driver makes, leaves the snapshot past the commit index on disk.
      const disk = cluster.disks.get('a');
      assert.ok(disk);
      const stored = await disk.logStore.load();
      const applied = await disk.stateMachine.appliedIndex();
      assert.ok(stored.hardState.commit < applied, 'the last commit index was not written');
      const last = stored.entries[stored.entries.length - 1];
      assert.equal(last.index, applied);
      await disk.logStore.compact({
        index: applied,
        term: last.term,
        confState: { voters: ['a'], learners: [] },
      });

      const second = await cluster.start('a');
      await second.propose(put('after', 'restart'), 2000);
      assert.equal(cluster.state('a').get('k4'), 'v4');
      assert.equal(cluster.state('a').get('after'), 'restart');
    } finally {
      await cluster.stopAll();
    }
  });

  it('serves many concurrent linearizable reads on a follower with a few ReadIndex requests', async () => {
    const cluster = new TestCluster(['a', 'b', 'c']);
    try {
      await cluster.startAll();
      const leader = await cluster.leader();
      const written = await leader.propose(put('x', '1'), 3000);
      const follower = [...cluster.drivers.values()].find((d) => d !== leader);
      assert.ok(follower);
      let readIndexMessages = 0;
      cluster.hub.dropWhen((message) => {
        if (message.type === 'read-index') readIndexMessages++;
        return false;
      });

      const indexes = await Promise.all(
        Array.from({ length: 100 }, () => follower.readBarrier(3000)),
      );
      assert.ok(indexes.every((index) => index >= written.index));
      assert.ok(
        readIndexMessages <= 5,
        `100 reads sent ${readIndexMessages} ReadIndex requests to the leader`,
      );
    } finally {
      await cluster.stopAll();
    }
  });

  it('catches a restarted follower up by snapshot once the log was compacted', async () => {
    const cluster = new TestCluster(['a', 'b', 'c'], 20);
    try {
      await cluster.startAll();
      const leader = await cluster.leader();
      const follower = cluster.ids.find((id) => id !== leader.nodeId) ?? '';
      await cluster.stop(follower);
      // A busy machine may cost the two live nodes a leader change: retry as a client would (the
      // keys are idempotent puts), through whichever node leads then.
      for (let i = 0; i < 60; i++) {
        for (let attempt = 0; ; attempt++) {
          try {
            await (await cluster.leader()).propose(put(`k${i}`, `v${i}`), 3000);
            break;
          } catch (error) {
            if (attempt >= 5 || !(error as { retryable?: boolean }).retryable) throw error;
          }
        }
      }
      const current = await cluster.leader();
      assert.ok(current.status().firstIndex > 20, 'the leader compacted its log');
      await cluster.start(follower);
      await eventually(() => cluster.state(follower).get('k59') === 'v59');
      assert.deepEqual(
        [...cluster.state(follower)].sort(),
        [...cluster.state(current.nodeId)].sort(),
      );
    } finally {
      await cluster.stopAll();
    }
  });
});
