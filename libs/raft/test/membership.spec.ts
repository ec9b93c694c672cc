import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConfChange,
  ConfChangeRejectedError,
  NotLeaderError,
  ProposalDroppedError,
} from '@falconmind/raft';
import { bytes, Cluster, storedLog } from './harness';

const ABC = ['a', 'b', 'c'];

function confOf(net: Cluster, id: string) {
  return net.status(id).confState;
}

describe('membership changes (thesis §4.1, single-server)', () => {
  it('a membership change takes effect on the leader as soon as it is appended, before it commits', () => {
    const net = new Cluster({ voters: ABC });
    net.elect('a');
    const { commit } = net.status('a');
    net.raw('a').proposeConfChange({ type: 'add-learner', nodeId: 'd' });
    assert.deepEqual(confOf(net, 'a'), { voters: ABC, learners: ['d'] });
    assert.equal(net.status('a').commit, commit);
  });

  it('a learner added by a conf change receives the whole log', () => {
    const net = new Cluster({ voters: ABC });
    net.elect('a');
    net.propose('a', 'before d');
    net.stabilize();
    net.addNode('d');
    net.raw('a').proposeConfChange({ type: 'add-learner', nodeId: 'd' });
    net.stabilize();
    net.tick(2);
    assert.equal(net.status('d').lastIndex, net.status('a').lastIndex);
    assert.deepEqual(net.appliedPayloads('d'), ['before d']);
    for (const id of [...ABC, 'd']) {
      assert.deepEqual(confOf(net, id), { voters: ABC, learners: ['d'] }, id);
    }
  });

  const learnerQuorumCases = [
    { down: 'd', role: 'the learner', commits: true },
    { down: 'b', role: 'the other voter', commits: false },
  ];
  for (const c of learnerQuorumCases) {
    it(`with 2 voters and a learner, a proposal ${c.commits ? 'commits' : 'does not commit'} while ${c.role} is cut off`, () => {
      const net = new Cluster({ voters: ['a', 'b'], learners: ['d'] });
      net.elect('a');
      const { commit } = net.status('a');
      net.isolate(c.down);
      net.propose('a', 'x');
      net.stabilize();
      assert.equal(net.status('a').commit, c.commits ? commit + 1 : commit);
      assert.deepEqual(net.appliedPayloads('a'), c.commits ? ['x'] : []);
      if (!c.commits) {
        assert.equal(net.status('d').lastIndex, net.status('a').lastIndex, 'd has the entry');
      }
    });
  }

  it('a learner replicates the log once reachable again', () => {
    const net = new Cluster({ voters: ['a', 'b'], learners: ['d'] });
    net.elect('a');
    net.isolate('d');
    net.propose('a', 'x');
    net.stabilize();
    net.heal();
    net.tick(2);
    assert.deepEqual(net.appliedPayloads('d'), ['x']);
  });

  it('learners do not count towards an election: a candidate without a voter majority loses', () => {
    const net = new Cluster({ voters: ABC, learners: ['d', 'e'], config: { preVote: false } });
    net.isolate('b');
    net.isolate('c');
    net.raw('a').campaign();
    net.tick(30, ['a', 'd', 'e']);
    assert.notEqual(net.status('a').role, 'leader');
    assert.equal(net.sentOfType('vote', 'a', 'd').length, 0, 'learners are not asked');
  });

  it('learners do not count towards check-quorum: a leader that hears only from learners steps down', () => {
    const net = new Cluster({ voters: ABC, learners: ['d', 'e'] });
    net.elect('a');
    net.isolate('b');
    net.isolate('c');
    net.tick(20, ['a', 'd', 'e']);
    assert.equal(net.status('a').role, 'follower');
  });

  it('learners do not count towards a ReadIndex round', () => {
    const net = new Cluster({ voters: ABC, learners: ['d', 'e'] });
    net.elect('a');
    net.tick(1);
    net.isolate('b');
    net.isolate('c');
    net.raw('a').readIndex('r');
    net.stabilize();
    assert.deepEqual(net.node('a').readStates, []);
    assert.ok(net.sentOfType('heartbeat-response', 'd', 'a').some((m) => m.context === 'r'));
  });

  it('learners do not count towards the lease', () => {
    const net = new Cluster({ voters: ABC, learners: ['d', 'e'], config: { electionTicks: 10 } });
    net.elect('a');
    net.tick(1);
    net.isolate('b');
    net.isolate('c');
    net.tick(9, ['a', 'd', 'e']);
    assert.equal(net.status('a').role, 'leader');
    net.raw('a').readIndex('lease', { lease: true });
    net.stabilize();
    assert.deepEqual(net.node('a').readStates, []);
  });

  it('a learner never campaigns, on a timeout or when asked to', () => {
    const net = new Cluster({ voters: ABC, learners: ['d'] });
    net.raw('d').campaign();
    net.tick(100, ['d']);
    assert.equal(net.status('d').role, 'follower');
    assert.equal(net.sentOfType('pre-vote', 'd').length + net.sentOfType('vote', 'd').length, 0);
  });

  it('a learner promoted with add-voter becomes a voter on every node', () => {
    const net = new Cluster({ voters: ABC, learners: ['d'] });
    net.elect('a');
    net.raw('a').proposeConfChange({ type: 'add-voter', nodeId: 'd' });
    net.stabilize();
    for (const id of [...ABC, 'd']) {
      assert.deepEqual(confOf(net, id), { voters: ['a', 'b', 'c', 'd'], learners: [] }, id);
    }
    assert.equal(net.status('a').progress.get('d')?.isLearner, false);
  });

  it('a promoted learner can be elected', () => {
    const net = new Cluster({ voters: ABC, learners: ['d'] });
    net.elect('a');
    net.raw('a').proposeConfChange({ type: 'add-voter', nodeId: 'd' });
    net.stabilize();
    net.raw('a').transferLeadership('d');
    net.stabilize();
    assert.equal(net.leader(), 'd');
  });

  it('a removed follower leaves the membership and gets no more messages', () => {
    const net = new Cluster({ voters: ABC });
    net.elect('a');
    net.raw('a').proposeConfChange({ type: 'remove-node', nodeId: 'c' });
    net.stabilize();
    for (const id of ['a', 'b'])
      assert.deepEqual(confOf(net, id), { voters: ['a', 'b'], learners: [] });
    assert.equal(net.status('a').progress.has('c'), false);
    const since = net.sent.length;
    net.propose('a', 'after');
    net.tick(3);
    assert.equal(net.sentSince(since, (m) => m.to === 'c').length, 0);
    assert.deepEqual(net.appliedPayloads('b'), ['after']);
  });

  it('a removed follower that keeps campaigning does not disturb the cluster', () => {
    const net = new Cluster({ voters: ABC });
    net.elect('a');
    net.raw('a').proposeConfChange({ type: 'remove-node', nodeId: 'c' });
    net.stabilize();
    const term = net.status('a').term;
    net.tick(100);
    assert.equal(net.leader(), 'a');
    assert.equal(net.status('a').term, term);
    assert.equal(net.status('b').term, term);
  });

  it('a leader that removes itself steps down once the change commits, and the rest elect a new leader', () => {
    const net = new Cluster({ voters: ABC });
    net.elect('a');
    const term = net.status('a').term;
    net.raw('a').proposeConfChange({ type: 'remove-node', nodeId: 'a' });
    net.stabilize();
    assert.equal(net.status('a').role, 'follower');
    for (const id of ['b', 'c']) assert.equal(net.status(id).commit, net.status('a').commit, id);
    const leader = net.tickUntilLeader(['b', 'c']);
    assert.ok(net.status(leader).term > term);
    assert.deepEqual(confOf(net, leader), { voters: ['b', 'c'], learners: [] });
    net.propose(leader, 'without a');
    net.stabilize();
    assert.deepEqual(net.appliedPayloads(leader === 'b' ? 'c' : 'b'), ['without a']);
  });

  it('a leader that removed itself leads until the change commits, but takes no proposals', () => {
    const net = new Cluster({ voters: ABC });
    net.elect('a');
    const stop = net.dropFilter((m) => m.type === 'append-response');
    net.raw('a').proposeConfChange({ type: 'remove-node', nodeId: 'a' });
    net.stabilize();
    assert.equal(net.status('a').role, 'leader');
    assert.throws(() => net.propose('a', 'x'), ProposalDroppedError);
    stop();
    net.tick(1);
    assert.equal(net.status('a').role, 'follower');
  });

  it('a second conf change while one is uncommitted is rejected', () => {
    const net = new Cluster({ voters: ABC });
    net.elect('a');
    net.raw('a').proposeConfChange({ type: 'add-learner', nodeId: 'd' });
    assert.throws(
      () => net.raw('a').proposeConfChange({ type: 'add-learner', nodeId: 'e' }),
      ConfChangeRejectedError,
    );
    net.stabilize();
    net.raw('a').proposeConfChange({ type: 'add-learner', nodeId: 'e' });
  });

  it('a conf change on a follower throws NotLeaderError naming the leader', () => {
    const net = new Cluster({ voters: ABC });
    net.elect('a');
    assert.throws(
      () => net.raw('b').proposeConfChange({ type: 'add-learner', nodeId: 'd' }),
      (error: unknown) => error instanceof NotLeaderError && error.leader === 'a',
    );
  });

  it('a new leader must commit an entry of its term before a conf change', () => {
    const net = new Cluster({ voters: ABC });
    const stop = net.dropFilter((m) => m.type === 'append');
    net.elect('a');
    assert.throws(
      () => net.raw('a').proposeConfChange({ type: 'add-learner', nodeId: 'd' }),
      ConfChangeRejectedError,
    );
    stop();
    net.tick(1);
    net.raw('a').proposeConfChange({ type: 'add-learner', nodeId: 'd' });
  });

  const nonsense: Array<{ name: string; change: ConfChange }> = [
    { name: 'adding an existing voter', change: { type: 'add-voter', nodeId: 'b' } },
    { name: 'making a voter a learner', change: { type: 'add-learner', nodeId: 'b' } },
    { name: 'removing a non-member', change: { type: 'remove-node', nodeId: 'z' } },
  ];
  for (const c of nonsense) {
    it(`a conf change ${c.name} is rejected`, () => {
      const net = new Cluster({ voters: ABC });
      net.elect('a');
      assert.throws(() => net.raw('a').proposeConfChange(c.change), ConfChangeRejectedError);
    });
  }

  it('the last voter cannot be removed', () => {
    const net = new Cluster({ voters: ['a'] });
    net.elect('a');
    net.stabilize();
    assert.throws(
      () => net.raw('a').proposeConfChange({ type: 'remove-node', nodeId: 'a' }),
      ConfChangeRejectedError,
    );
  });

  for (const withSnapshot of [false, true]) {
    it(`a restarted node rebuilds its membership from the log${withSnapshot ? ' and its snapshot' : ''}`, () => {
      const net = new Cluster({ voters: ABC });
      net.elect('a');
      net.addNode('d');
      net.raw('a').proposeConfChange({ type: 'add-learner', nodeId: 'd' });
      net.stabilize();
      net.raw('a').proposeConfChange({ type: 'remove-node', nodeId: 'c' });
      net.stabilize();
      net.raw('a').proposeConfChange({ type: 'add-voter', nodeId: 'd' });
      net.stabilize();
      const before = confOf(net, 'b');
      assert.deepEqual(before, { voters: ['a', 'b', 'd'], learners: [] });
      if (withSnapshot) {
        const b = net.node('b');
        const index = b.appliedIndex - 1;
        b.storage.createSnapshot(index, net.raw('b').confStateAt(index), bytes('image'));
        b.storage.compact(index);
      }
      net.crash('b');
      net.restart('b');
      assert.deepEqual(confOf(net, 'b'), before);
    });
  }

  it('an uncommitted membership change is undone when its entry is overwritten', () => {
    const net = new Cluster({ voters: ABC, config: { checkQuorum: false } });
    net.elect('a');
    net.isolate('a');
    net.raw('a').proposeConfChange({ type: 'add-learner', nodeId: 'd' });
    net.stabilize();
    assert.deepEqual(confOf(net, 'a'), { voters: ABC, learners: ['d'] });
    const leader = net.tickUntilLeader(['b', 'c']);
    net.propose(leader, 'new term');
    net.stabilize();
    net.heal();
    net.tick(3);
    assert.deepEqual(confOf(net, 'a'), { voters: ABC, learners: [] });
    assert.deepEqual(storedLog(net.node('a').storage), storedLog(net.node(leader).storage));
  });
});
