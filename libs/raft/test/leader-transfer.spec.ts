import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProposalDroppedError } from '@falconmind/raft';
import { Cluster } from './harness';

/** a leads a,b,c; c misses `lag` commands. */
function withLaggingC(lag: number): Cluster {
  const net = new Cluster({ voters: ['a', 'b', 'c'] });
  net.elect('a');
  net.isolate('c');
  for (let i = 0; i < lag; i++) net.propose('a', `x${i}`);
  net.stabilize();
  return net;
}

describe('leadership transfer (thesis §3.10)', () => {
  it('a transfer to an up-to-date follower makes it leader in the next term', () => {
    const net = new Cluster({ voters: ['a', 'b', 'c'] });
    net.elect('a');
    const term = net.status('a').term;
    net.raw('a').transferLeadership('b');
    net.stabilize();
    assert.equal(net.leader(), 'b');
    assert.equal(net.status('b').term, term + 1);
    assert.equal(net.status('a').role, 'follower');
    assert.equal(net.sentOfType('timeout-now', 'a', 'b').length, 1);
  });

  it('a transfer to a lagging follower first brings its log up to date', () => {
    const net = withLaggingC(4);
    const term = net.status('a').term;
    const lastIndex = net.status('a').lastIndex;
    net.heal();
    const since = net.sent.length;
    net.raw('a').transferLeadership('c');
    net.stabilize();
    assert.equal(net.leader(), 'c');
    assert.equal(net.status('c').term, term + 1);
    const sent = net.sent.slice(since);
    const timeoutNow = sent.findIndex((m) => m.type === 'timeout-now');
    const caughtUp = sent.findIndex(
      (m) => m.type === 'append-response' && m.from === 'c' && !m.reject && m.index === lastIndex,
    );
    assert.ok(caughtUp >= 0 && caughtUp < timeoutNow, 'TimeoutNow only after c matched the log');
    assert.deepEqual(net.appliedPayloads('c'), ['x0', 'x1', 'x2', 'x3']);
  });

  it('a transfer requested on a follower is forwarded to the leader', () => {
    const net = new Cluster({ voters: ['a', 'b', 'c'] });
    net.elect('a');
    net.raw('b').transferLeadership('c');
    net.stabilize();
    assert.equal(net.sentOfType('transfer-leader', 'b', 'a').length, 1);
    assert.equal(net.leader(), 'c');
  });

  it('proposals during a transfer throw ProposalDroppedError', () => {
    const net = withLaggingC(2);
    net.raw('a').transferLeadership('c');
    assert.equal(net.status('a').leadTransferee, 'c');
    assert.throws(() => net.propose('a', 'during'), ProposalDroppedError);
  });

  it('proposals forwarded to a leader during a transfer are dropped', () => {
    const net = withLaggingC(2);
    net.raw('a').transferLeadership('c');
    const { lastIndex } = net.status('a');
    net.propose('b', 'during');
    net.stabilize();
    assert.equal(net.status('a').lastIndex, lastIndex);
  });

  it('a transfer to a learner is ignored', () => {
    const net = new Cluster({ voters: ['a', 'b', 'c'], learners: ['d'] });
    net.elect('a');
    net.raw('a').transferLeadership('d');
    assert.equal(net.status('a').leadTransferee, '');
    net.stabilize();
    assert.equal(net.sentOfType('timeout-now').length, 0);
    assert.equal(net.leader(), 'a');
    net.propose('a', 'still leading');
  });

  for (const target of ['a', 'z']) {
    it(`a transfer to ${target === 'a' ? 'the leader itself' : 'a non-member'} is ignored`, () => {
      const net = new Cluster({ voters: ['a', 'b', 'c'] });
      net.elect('a');
      net.raw('a').transferLeadership(target);
      assert.equal(net.status('a').leadTransferee, '');
    });
  }

  it('a transfer that does not complete is abandoned after an election timeout', () => {
    const electionTicks = 10;
    const net = new Cluster({ voters: ['a', 'b', 'c'], config: { electionTicks } });
    net.elect('a');
    net.isolate('c');
    net.propose('a', 'c lags');
    net.stabilize();
    net.raw('a').transferLeadership('c');
    net.tick(electionTicks - 1, ['a', 'b']);
    assert.equal(net.status('a').leadTransferee, 'c', 'still transferring');
    net.tick(1, ['a', 'b']);
    assert.equal(net.status('a').leadTransferee, '');
    assert.equal(net.leader(), 'a');
    net.propose('a', 'accepted again');
    net.stabilize();
    assert.deepEqual(net.appliedPayloads('b'), ['c lags', 'accepted again']);
  });
});
