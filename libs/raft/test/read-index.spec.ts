import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ReadIndexDroppedError } from '@falconmind/raft';
import { Cluster } from './harness';

/** a leads a,b,c and has had one heartbeat round acknowledged (so its lease has started). */
function settled(config = {}): Cluster {
  const net = new Cluster({ voters: ['a', 'b', 'c'], config });
  net.elect('a');
  net.tick(1);
  return net;
}

function contexts(net: Cluster, id: string): string[] {
  return net.node(id).readStates.map((rs) => rs.context);
}

describe('ReadIndex (thesis §6.4)', () => {
  it('a read on the leader is answered only after a heartbeat round, never in the Ready of the request', () => {
    const net = settled();
    net.raw('a').readIndex('r1');
    const first = net.processReady('a');
    assert.deepEqual(first.readStates, []);
    const heartbeats = first.messages.filter((m) => m.type === 'heartbeat' && m.context === 'r1');
    assert.deepEqual(heartbeats.map((m) => m.to).sort(), ['b', 'c']);
    net.stabilize();
    assert.deepEqual(net.node('a').readStates, [{ index: net.status('a').commit, context: 'r1' }]);
  });

  it('a read on the leader is answered once a majority (not all) acknowledges the round', () => {
    const net = settled();
    net.isolate('c');
    net.raw('a').readIndex('r1');
    net.stabilize();
    assert.deepEqual(contexts(net, 'a'), ['r1']);
  });

  it('the read index is the commit index at the time of the request', () => {
    const net = settled();
    const { commit } = net.status('a');
    net.dropFilter((m) => m.type === 'append');
    net.raw('a').readIndex('r1');
    net.propose('a', 'later write');
    net.stabilize();
    assert.deepEqual(net.node('a').readStates, [{ index: commit, context: 'r1' }]);
  });

  it('a read on a follower is forwarded to the leader and answered to the follower', () => {
    const net = settled();
    net.raw('b').readIndex('from b');
    net.stabilize();
    assert.equal(net.sentOfType('read-index', 'b', 'a').length, 1);
    assert.deepEqual(net.node('b').readStates, [
      { index: net.status('a').commit, context: 'from b' },
    ]);
    assert.deepEqual(contexts(net, 'a'), []);
  });

  it('a read on a leader that was deposed without knowing it is never answered', () => {
    const net = settled({ checkQuorum: false });
    net.isolate('a');
    const newLeader = net.tickUntilLeader(['b', 'c']);
    net.propose(newLeader, 'write in the new term');
    net.stabilize();
    assert.equal(net.status('a').role, 'leader', 'a still believes it leads');
    net.raw('a').readIndex('stale');
    net.tick(5);
    net.heal();
    net.tick(5);
    assert.equal(net.status('a').role, 'follower');
    assert.deepEqual(contexts(net, 'a'), []);
  });

  it('a new leader delays reads until it has committed an entry of its term', () => {
    const net = new Cluster({ voters: ['a', 'b', 'c'] });
    const stop = net.dropFilter((m) => m.type === 'append');
    net.elect('a');
    net.raw('a').readIndex('early');
    net.stabilize();
    net.tick(2);
    assert.deepEqual(contexts(net, 'a'), []);
    stop();
    net.tick(1);
    const { commit, term } = net.status('a');
    assert.equal(net.raw('a').termAt(commit), term);
    assert.deepEqual(net.node('a').readStates, [{ index: commit, context: 'early' }]);
  });

  it('a read forwarded to a leader that has not committed in its term is answered once it has', () => {
    const net = new Cluster({ voters: ['a', 'b', 'c'] });
    const stop = net.dropFilter((m) => m.type === 'append');
    net.elect('a');
    net.tick(1);
    net.raw('b').readIndex('early from b');
    net.stabilize();
    assert.deepEqual(contexts(net, 'b'), []);
    stop();
    net.tick(1);
    assert.deepEqual(contexts(net, 'b'), ['early from b']);
  });

  it('a single-voter leader answers a read at once', () => {
    const net = new Cluster({ voters: ['a'] });
    net.elect('a');
    net.stabilize();
    net.raw('a').readIndex('solo');
    const rd = net.processReady('a');
    assert.deepEqual(
      rd.readStates.map((rs) => rs.context),
      ['solo'],
    );
  });

  it('readIndex with no known leader throws ReadIndexDroppedError', () => {
    const net = new Cluster({ voters: ['a', 'b', 'c'] });
    assert.throws(() => net.raw('b').readIndex('r'), ReadIndexDroppedError);
  });
});

describe('lease reads (thesis §6.4.1)', () => {
  it('a lease read is answered without a round trip while the lease holds', () => {
    const net = settled();
    net.raw('a').readIndex('lease', { lease: true });
    const rd = net.processReady('a');
    assert.deepEqual(rd.readStates, [{ index: net.status('a').commit, context: 'lease' }]);
    assert.equal(rd.messages.filter((m) => m.type === 'heartbeat').length, 0);
  });

  it('a lease read is not answered from the lease once the leader was cut off for an election timeout', () => {
    const electionTicks = 10;
    const net = settled({ electionTicks });
    net.isolate('a');
    net.tick(electionTicks, ['a']);
    assert.equal(net.status('a').role, 'leader', 'check-quorum has not fired yet');
    net.raw('a').readIndex('lease', { lease: true });
    net.stabilize();
    net.tick(2, ['a']);
    assert.deepEqual(contexts(net, 'a'), []);
  });

  it('a lease read falls back to a heartbeat round when the lease has lapsed', () => {
    const electionTicks = 10;
    const net = settled({ electionTicks });
    net.isolate('a');
    net.tick(electionTicks, ['a']);
    net.raw('a').readIndex('lease', { lease: true });
    net.heal();
    net.stabilize();
    assert.deepEqual(contexts(net, 'a'), ['lease']);
    assert.ok(net.sentOfType('heartbeat', 'a').some((m) => m.context === 'lease'));
  });

  it('a lease read stays linearizable when a follower restarts and then votes for another candidate', () => {
    const net = settled();
    // c stops hearing from a (an asymmetric partition); b still hears from both.
    net.dropFilter((m) => (m.from === 'a' && m.to === 'c') || (m.from === 'c' && m.to === 'a'));
    net.tick(25);
    assert.equal(net.leader(), 'a', 'b, in the lease, ignored c');
    // b's acknowledgement just renewed a's lease. Now a is cut off from b too, and b restarts.
    net.isolate('a');
    net.crash('b');
    net.restart('b');
    // c has not heard from a leader for over an election timeout; its timer fires again.
    net.raw('c').campaign();
    net.stabilize();
    let committed = 0;
    if (net.status('c').role === 'leader') {
      net.propose('c', 'write acknowledged to a client');
      net.stabilize();
      committed = net.status('c').commit;
    }
    net.raw('a').readIndex('lease', { lease: true });
    net.stabilize();
    for (const rs of net.node('a').readStates) {
      assert.ok(
        rs.index >= committed,
        `read at ${rs.index} misses the write committed at ${committed}`,
      );
    }
  });

  it('a lease read is not served from the lease without check-quorum', () => {
    const net = settled({ checkQuorum: false });
    net.raw('a').readIndex('lease', { lease: true });
    const rd = net.processReady('a');
    assert.deepEqual(rd.readStates, []);
  });

  it('a lease read is not served from the lease during a leadership transfer', () => {
    const net = settled();
    net.isolate('c');
    net.propose('a', 'c lags');
    net.stabilize();
    net.raw('a').transferLeadership('c');
    net.raw('a').readIndex('lease', { lease: true });
    const rd = net.processReady('a');
    assert.deepEqual(rd.readStates, []);
  });
});
