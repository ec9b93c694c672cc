import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProposalDroppedError } from '@falconmind/raft';
import { bytes, Cluster, payloads } from './harness';

describe('log replication (§5.3)', () => {
  it('proposals on the leader commit on every node, in order', () => {
    const net = new Cluster({ voters: ['a', 'b', 'c'] });
    net.elect('a');
    const commands = ['x1', 'x2', 'x3', 'x4', 'x5'];
    for (const c of commands) net.propose('a', c);
    net.stabilize();
    for (const id of ['a', 'b', 'c']) assert.deepEqual(net.appliedPayloads(id), commands, id);
    const commits = ['a', 'b', 'c'].map((id) => net.status(id).commit);
    assert.deepEqual(commits, [commits[0], commits[0], commits[0]]);
  });

  it('every node applies the same entries at the same indexes', () => {
    const net = new Cluster({ voters: ['a', 'b', 'c'] });
    net.elect('a');
    net.raw('a').proposeBatch([bytes('p'), bytes('q')]);
    net.propose('b', 'r');
    net.stabilize();
    const view = (id: string) => net.node(id).applied.map((e) => [e.index, e.term, e.type]);
    assert.deepEqual(view('b'), view('a'));
    assert.deepEqual(view('c'), view('a'));
  });

  it('a proposal on a follower is forwarded to the leader and committed', () => {
    const net = new Cluster({ voters: ['a', 'b', 'c'] });
    net.elect('a');
    net.propose('b', 'from b');
    net.stabilize();
    assert.equal(net.sentOfType('propose', 'b', 'a').length, 1);
    for (const id of ['a', 'b', 'c']) assert.deepEqual(net.appliedPayloads(id), ['from b'], id);
  });

  for (const role of ['a node that never heard of a leader', 'a candidate'] as const) {
    it(`proposing on ${role} throws ProposalDroppedError`, () => {
      const net = new Cluster({ voters: ['a', 'b', 'c'], config: { preVote: false } });
      if (role === 'a candidate') {
        net.raw('a').campaign();
        assert.equal(net.status('a').role, 'candidate');
      }
      assert.throws(() => net.propose('a', 'lost'), ProposalDroppedError);
    });
  }

  it('the leader streams at most maxInflightMsgs appends to a follower that does not answer', () => {
    const net = new Cluster({ voters: ['a', 'b', 'c'], config: { maxInflightMsgs: 2 } });
    net.elect('a');
    net.propose('a', 'warm-up');
    net.stabilize();
    assert.equal(net.status('a').progress.get('c')?.state, 'replicate');
    net.dropFilter((m) => m.from === 'c');
    const since = net.sent.length;
    for (let i = 0; i < 6; i++) {
      net.propose('a', `x${i}`);
      net.stabilize();
    }
    const appends = net.sentSince(
      since,
      (m) => m.type === 'append' && m.to === 'c' && (m.entries?.length ?? 0) > 0,
    );
    assert.equal(appends.length, 2);
    assert.deepEqual(
      appends.map((m) => payloads(m.entries ?? [])),
      [['x0'], ['x1']],
    );
    // b answers, so everything still commits.
    assert.equal(net.appliedPayloads('b').length, 7);
  });

  it('a heartbeat response from a saturated follower frees one slot of its window', () => {
    const net = new Cluster({ voters: ['a', 'b', 'c'], config: { maxInflightMsgs: 2 } });
    net.elect('a');
    net.stabilize();
    const dropAcks = net.dropFilter((m) => m.from === 'c' && m.type === 'append-response');
    for (let i = 0; i < 4; i++) net.propose('a', `x${i}`);
    net.stabilize();
    const since = net.sent.length;
    net.tick(1);
    dropAcks();
    const appends = net.sentSince(
      since,
      (m) => m.type === 'append' && m.to === 'c' && (m.entries?.length ?? 0) > 0,
    );
    assert.ok(appends.length >= 1, 'the window reopened');
  });

  it('the leader stops streaming to a silent follower once maxInflightBytes are in flight', () => {
    const net = new Cluster({
      voters: ['a', 'b', 'c'],
      config: { maxInflightBytes: 25 },
    });
    net.elect('a');
    net.propose('a', 'warm-up');
    net.stabilize();
    net.dropFilter((m) => m.from === 'c');
    const since = net.sent.length;
    for (let i = 0; i < 6; i++) {
      net.propose('a', `${i}`.padStart(10, '-'));
      net.stabilize();
    }
    const appends = net.sentSince(
      since,
      (m) => m.type === 'append' && m.to === 'c' && (m.entries?.length ?? 0) > 0,
    );
    // 10 + 10 < 25, so a third append goes out; 30 >= 25 closes the window.
    assert.equal(appends.length, 3);
  });

  it('a heartbeat never tells a lagging follower to commit past the end of its log', () => {
    const net = new Cluster({ voters: ['a', 'b', 'c'] });
    net.elect('a');
    net.dropFilter((m) => m.type === 'append' && m.to === 'c');
    for (let i = 0; i < 3; i++) net.propose('a', `x${i}`);
    net.tick(3);
    const c = net.status('c');
    assert.ok(c.commit <= c.lastIndex);
    assert.ok(c.lastIndex < net.status('a').commit);
    for (const m of net.sentOfType('heartbeat', 'a', 'c'))
      assert.ok((m.commit ?? 0) <= c.lastIndex);
  });

  const sizeCases = [
    { maxSizePerMsg: 25, entryBytes: 10, maxEntries: 2 },
    { maxSizePerMsg: 30, entryBytes: 10, maxEntries: 3 },
    { maxSizePerMsg: 5, entryBytes: 10, maxEntries: 1 },
  ];
  for (const c of sizeCases) {
    it(`maxSizePerMsg ${c.maxSizePerMsg} limits an append to ${c.maxEntries} entries of ${c.entryBytes} bytes (never fewer than one)`, () => {
      const net = new Cluster({
        voters: ['a', 'b', 'c'],
        config: { maxSizePerMsg: c.maxSizePerMsg },
      });
      net.elect('a');
      const since = net.sent.length;
      const commands = Array.from({ length: 7 }, (_, i) => `${i}`.padStart(c.entryBytes, '-'));
      net.raw('a').proposeBatch(commands.map(bytes));
      net.stabilize();
      const appends = net.sentSince(
        since,
        (m) => m.type === 'append' && (m.entries?.length ?? 0) > 0,
      );
      const sizes = appends.map((m) => m.entries?.length ?? 0);
      assert.ok(
        sizes.every((n) => n >= 1 && n <= c.maxEntries),
        `sizes ${sizes.join(',')}`,
      );
      assert.ok(sizes.includes(c.maxEntries), `sizes ${sizes.join(',')}`);
      for (const id of ['b', 'c']) assert.deepEqual(net.appliedPayloads(id), commands, id);
    });
  }

  it('a follower reported unreachable returns to replicate as soon as it acknowledges a probe', () => {
    const net = new Cluster({ voters: ['a', 'b', 'c'] });
    net.elect('a');
    net.raw('a').reportUnreachable('c');
    assert.equal(net.status('a').progress.get('c')?.state, 'probe');
    net.tick(1);
    assert.equal(net.status('a').progress.get('c')?.state, 'replicate');
  });

  it('a follower reported unreachable gets new entries at once after it answered', () => {
    const net = new Cluster({ voters: ['a', 'b', 'c'] });
    net.elect('a');
    net.raw('a').reportUnreachable('c');
    net.tick(1);
    net.propose('a', 'x');
    net.stabilize();
    assert.equal(net.status('c').lastIndex, net.status('a').lastIndex);
  });

  it('the leader does not count its own log until it is persisted (advance)', () => {
    const net = new Cluster({ voters: ['a'] });
    net.elect('a');
    net.stabilize();
    const commit = net.status('a').commit;
    net.propose('a', 'x');
    const rd = net.raw('a').ready();
    assert.equal(rd.committedEntries.length, 0);
    assert.equal(net.status('a').commit, commit, 'not committed before the entry is persisted');
    net.node('a').storage.append(rd.entries);
    net.raw('a').advance();
    assert.equal(net.status('a').commit, commit + 1);
  });

  it('a follower does not apply entries the leader has not told it are committed', () => {
    const net = new Cluster({ voters: ['a', 'b', 'c'] });
    net.elect('a');
    // Appends reach the followers, but the leader never hears back.
    net.dropFilter((m) => m.type === 'append-response');
    net.propose('a', 'x');
    net.stabilize();
    for (const id of ['b', 'c']) {
      assert.equal(net.status(id).lastIndex, net.status('a').lastIndex);
      assert.deepEqual(net.appliedPayloads(id), [], id);
    }
  });
});
