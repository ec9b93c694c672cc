import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Snapshot } from '@falconmind/raft';
import { bytes, Cluster, text } from './harness';

/**
 * a leads a,b,c; c is cut off while ten commands commit; a then snapshots its state machine at its
 * applied index and compacts its log up to there, so c can only catch up from the snapshot.
 */
function behindCompactedLog(): { net: Cluster; snapIndex: number } {
  const net = new Cluster({ voters: ['a', 'b', 'c'] });
  net.elect('a');
  net.isolate('c');
  for (let i = 0; i < 10; i++) net.propose('a', `x${i}`);
  net.stabilize();
  const a = net.node('a');
  const snapIndex = a.appliedIndex;
  assert.equal(snapIndex, net.status('a').lastIndex);
  a.storage.createSnapshot(snapIndex, net.raw('a').confStateAt(snapIndex), bytes('image'));
  a.storage.compact(snapIndex);
  net.heal();
  return { net, snapIndex };
}

function readiesWithSnapshot(net: Cluster, id: string) {
  return net.node(id).readies.filter((rd) => rd.snapshot !== undefined);
}

describe('snapshots (§7)', () => {
  it('a follower behind a compacted log is sent a snapshot and catches up', () => {
    const { net, snapIndex } = behindCompactedLog();
    net.tick(1);
    assert.equal(net.sentOfType('snapshot', 'a', 'c').length, 1);
    const c = net.status('c');
    assert.equal(c.commit, snapIndex);
    assert.equal(c.firstIndex, snapIndex + 1);
    assert.equal(net.status('a').progress.get('c')?.match, snapIndex);
    assert.equal(net.status('a').progress.get('c')?.state, 'replicate');
  });

  it("the follower's Ready carries the snapshot, to be persisted before anything is applied", () => {
    const { net, snapIndex } = behindCompactedLog();
    net.tick(1);
    const [rd, ...others] = readiesWithSnapshot(net, 'c');
    assert.equal(others.length, 0);
    const snapshot = rd.snapshot as Snapshot;
    assert.equal(snapshot.metadata.index, snapIndex);
    assert.equal(text(snapshot.data), 'image');
    assert.deepEqual(snapshot.metadata.confState, { voters: ['a', 'b', 'c'], learners: [] });
    assert.equal(rd.committedEntries.length, 0);
    assert.equal(rd.hardState?.commit, snapIndex);
    assert.equal(net.node('c').storage.snapshot().metadata.index, snapIndex);
  });

  it("after advance the follower's applied index is the snapshot index", () => {
    const { net, snapIndex } = behindCompactedLog();
    net.tick(1);
    assert.equal(net.status('c').applied, snapIndex);
    assert.equal(net.node('c').appliedIndex, snapIndex);
  });

  it('after the snapshot the follower receives and applies new entries', () => {
    const { net } = behindCompactedLog();
    net.tick(1);
    net.propose('a', 'after the snapshot');
    net.stabilize();
    assert.deepEqual(net.appliedPayloads('c'), ['after the snapshot']);
    assert.equal(net.status('c').commit, net.status('a').commit);
  });

  for (const succeeded of [false, true]) {
    it(`reportSnapshot(${succeeded ? 'succeeded' : 'failed'}) moves the follower back to probe`, () => {
      const { net, snapIndex } = behindCompactedLog();
      const stopDropping = net.dropFilter((m) => m.type === 'snapshot');
      net.tick(1);
      assert.equal(net.status('a').progress.get('c')?.state, 'snapshot');
      net.raw('a').reportSnapshot('c', succeeded);
      const progress = net.status('a').progress.get('c');
      assert.equal(progress?.state, 'probe');
      // A failed snapshot is not assumed delivered; a successful one is.
      assert.equal(progress?.next, succeeded ? snapIndex + 1 : (progress?.match ?? 0) + 1);
      stopDropping();
    });
  }

  it('after a failed snapshot the leader sends it again and the follower catches up', () => {
    const { net, snapIndex } = behindCompactedLog();
    const stopDropping = net.dropFilter((m) => m.type === 'snapshot');
    net.tick(1);
    net.raw('a').reportSnapshot('c', false);
    stopDropping();
    net.tick(2);
    assert.equal(net.sentOfType('snapshot', 'a', 'c').length, 2);
    assert.equal(net.status('c').commit, snapIndex);
  });

  it('a lost snapshot nobody reports on is sent again within an election timeout', () => {
    const { net, snapIndex } = behindCompactedLog();
    let dropped = 0;
    net.dropFilter((m) => m.type === 'snapshot' && dropped++ === 0);
    net.tick(12);
    assert.equal(dropped >= 2, true);
    assert.equal(net.status('c').commit, snapIndex);
  });

  it('a snapshot sent again for the same index is logged once at info, the repeats at debug', () => {
    const lines: Array<{ level: string; message: string; index: unknown }> = [];
    const record =
      (level: string) =>
      (message: string, fields: Readonly<Record<string, unknown>>): void => {
        if (message.startsWith('sending a snapshot'))
          lines.push({ level, message, index: fields.index });
      };
    const logger = { debug: record('debug'), info: record('info'), warn: record('warn') };
    const net = new Cluster({ voters: ['a', 'b', 'c'], nodeConfig: { a: { logger } } });
    net.elect('a');
    net.isolate('c');
    for (let i = 0; i < 10; i++) net.propose('a', `x${i}`);
    net.stabilize();
    const a = net.node('a');
    const compactTo = (index: number): void => {
      a.storage.createSnapshot(index, net.raw('a').confStateAt(index), bytes('image'));
      a.storage.compact(index);
    };
    const first = a.appliedIndex;
    compactTo(first);
    net.heal();
    // c never receives an image, so the leader keeps offering it (a lost snapshot is sent again).
    net.dropFilter((m) => m.type === 'snapshot');
    net.tick(40);
    const sent = net.sentOfType('snapshot', 'a', 'c').length;
    assert.equal(sent >= 3, true, `sent ${sent} snapshot messages`);
    assert.deepEqual(
      lines.filter((line) => line.level === 'info'),
      [{ level: 'info', message: 'sending a snapshot', index: first }],
    );
    assert.equal(lines.filter((line) => line.level === 'debug').length, sent - 1);

    // A newer snapshot is announced again.
    net.isolate('c');
    net.propose('a', 'y');
    net.stabilize();
    compactTo(a.appliedIndex);
    net.heal();
    net.tick(40);
    assert.deepEqual(
      lines.filter((line) => line.level === 'info').map((line) => line.index),
      [first, a.appliedIndex],
    );
  });

  it('a node added after the log was compacted catches up from a snapshot', () => {
    const net = new Cluster({ voters: ['a', 'b', 'c'] });
    net.elect('a');
    net.propose('a', 'x');
    net.addNode('d');
    net.isolate('d');
    net.raw('a').proposeConfChange({ type: 'add-learner', nodeId: 'd' });
    net.stabilize();
    const a = net.node('a');
    const snapIndex = a.appliedIndex;
    a.storage.createSnapshot(snapIndex, net.raw('a').confStateAt(snapIndex), bytes('image'));
    a.storage.compact(snapIndex);
    net.heal();
    net.tick(2);
    assert.equal(net.node('d').snapshots.length, 1);
    assert.deepEqual(net.status('d').confState, { voters: ['a', 'b', 'c'], learners: ['d'] });
    net.propose('a', 'y');
    net.stabilize();
    assert.deepEqual(net.appliedPayloads('d'), ['y']);
  });

  it('a snapshot no newer than the follower commit is not installed', () => {
    const net = new Cluster({ voters: ['a', 'b', 'c'] });
    net.elect('a');
    net.propose('a', 'x');
    net.stabilize();
    const { commit, term } = net.status('b');
    net.inject({
      type: 'snapshot',
      from: 'a',
      to: 'b',
      term,
      snapshot: {
        metadata: { index: commit - 1, term, confState: { voters: ['a', 'b', 'c'], learners: [] } },
        data: bytes('old'),
      },
    });
    const rd = net.processReady('b');
    assert.equal(rd.snapshot, undefined);
    assert.deepEqual(
      rd.messages.map((m) => [m.type, m.index, m.reject]),
      [['append-response', commit, undefined]],
    );
  });

  it('a follower restarted after installing a snapshot starts from it', () => {
    const { net, snapIndex } = behindCompactedLog();
    net.tick(1);
    net.crash('c');
    net.restart('c');
    const s = net.status('c');
    assert.equal(s.firstIndex, snapIndex + 1);
    assert.equal(s.commit, snapIndex);
    assert.equal(s.applied, snapIndex);
    assert.deepEqual(s.confState, { voters: ['a', 'b', 'c'], learners: [] });
    net.tick(1);
    net.propose('a', 'y');
    net.stabilize();
    assert.deepEqual(net.appliedPayloads('c'), ['y']);
  });
});
