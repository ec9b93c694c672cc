import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Message, MemoryStorage, RawNode, SeededRandom } from '@falconmind/raft';
import {
  bootstrapLength,
  Cluster,
  DEFAULT_ELECTION_TICKS,
  tickThroughQuietPeriod,
} from './harness';

const ABC = { voters: ['a', 'b', 'c'], learners: [] };
const B = bootstrapLength(ABC);

/** a leads a,b,c; c is cut off and ticks long enough to campaign many times; then the network heals. */
function partitionAndHeal(): { net: Cluster; term: number } {
  const net = new Cluster({ voters: ['a', 'b', 'c'] });
  net.elect('a');
  const term = net.status('a').term;
  net.isolate('c');
  net.propose('a', 'while c was away');
  net.tick(60);
  net.heal();
  net.tick(30);
  return { net, term };
}

describe('pre-vote (thesis §9.6)', () => {
  it('a node cut off from the cluster campaigns without raising its own term', () => {
    const net = new Cluster({ voters: ['a', 'b', 'c'] });
    net.elect('a');
    const term = net.status('c').term;
    net.isolate('c');
    net.tick(60);
    assert.ok(net.sentOfType('pre-vote', 'c').length > 0, 'c did campaign');
    assert.equal(net.sentOfType('vote', 'c').length, 0, 'c never started a real election');
    assert.equal(net.status('c').term, term);
  });

  it('a partitioned node that comes back does not raise the term of a healthy cluster', () => {
    const { net, term } = partitionAndHeal();
    for (const id of ['a', 'b', 'c']) assert.equal(net.status(id).term, term, id);
  });

  it('a partitioned node that comes back does not depose the leader', () => {
    const { net } = partitionAndHeal();
    assert.equal(net.leader(), 'a');
    const roles = net
      .node('a')
      .readies.map((rd) => rd.softState?.role)
      .filter((role) => role !== undefined);
    assert.deepEqual(roles.slice(-1), ['leader']);
    assert.equal(roles.filter((role) => role !== 'leader').length, 2, 'only the initial campaign');
    assert.deepEqual(net.appliedPayloads('c'), ['while c was away']);
  });

  it('granting a pre-vote changes neither the term nor the vote of the voter', () => {
    const storage = MemoryStorage.bootstrap(ABC);
    storage.setHardState({ term: 4, vote: 'a', commit: B });
    const b = new RawNode({ id: 'b', storage, random: new SeededRandom(3) });
    // b starts in term 4, so it refuses pre-votes for an election timeout (it may have granted a lease).
    tickThroughQuietPeriod(b);
    b.step({ type: 'pre-vote', from: 'c', to: 'b', term: 5, index: B, logTerm: 1 });
    const rd = b.ready();
    b.advance();
    const response = rd.messages.find((m) => m.type === 'pre-vote-response');
    assert.equal(response?.reject, undefined, 'the pre-vote is granted');
    assert.equal(response?.term, 5, 'the grant carries the term the candidate would run for');
    assert.equal(rd.hardState, undefined, 'nothing to persist');
    assert.equal(b.status().term, 4);
    assert.equal(b.status().vote, 'a');
  });

  it('a pre-candidate with a stale log is refused pre-votes and keeps its term', () => {
    const net = new Cluster({ voters: ['a', 'b', 'c'], config: { checkQuorum: false } });
    net.elect('a');
    net.isolate('c');
    net.propose('a', 'c misses this');
    net.stabilize();
    net.heal();
    net.crash('a');
    const term = net.status('c').term;
    net.raw('c').campaign();
    net.stabilize();
    const responses = net.sentOfType('pre-vote-response', 'b', 'c');
    assert.deepEqual(
      responses.map((m) => m.reject),
      [true],
    );
    assert.equal(net.status('c').term, term);
    assert.notEqual(net.status('c').role, 'leader');
  });

  it('a pre-candidate that wins the pre-vote runs a real election in the next term', () => {
    const net = new Cluster({ voters: ['a', 'b', 'c'] });
    const term = net.status('a').term;
    net.elect('a');
    assert.equal(net.status('a').term, term + 1);
    assert.deepEqual(
      net.sentOfType('pre-vote', 'a').map((m) => m.term),
      [term + 1, term + 1],
    );
  });
});

describe('check-quorum (thesis §6.2)', () => {
  for (const electionTicks of [5, 10]) {
    it(`a leader cut off from the majority steps down within 2 election timeouts (${electionTicks} ticks)`, () => {
      const net = new Cluster({ voters: ['a', 'b', 'c'], config: { electionTicks } });
      net.elect('a');
      net.tick(3);
      net.isolate('a');
      let ticks = 0;
      while (net.status('a').role === 'leader' && ticks < 10 * electionTicks) {
        net.tick(1);
        ticks++;
      }
      assert.equal(net.status('a').role, 'follower');
      assert.ok(ticks <= 2 * electionTicks, `stepped down after ${ticks} ticks`);
    });
  }

  it('a leader that hears from a majority stays leader', () => {
    const net = new Cluster({ voters: ['a', 'b', 'c'] });
    net.elect('a');
    net.isolate('c');
    net.tick(100, ['a', 'b']);
    assert.equal(net.status('a').role, 'leader');
  });

  for (const type of ['vote', 'pre-vote'] as const) {
    it(`a follower that heard from its leader within an election timeout ignores a ${type} request`, () => {
      const net = new Cluster({ voters: ['a', 'b', 'c'] });
      net.elect('a');
      net.tick(2);
      const term = net.status('b').term;
      const since = net.sent.length;
      const last = net.status('c').lastIndex;
      net.inject({ type, from: 'c', to: 'b', term: term + 1, index: last + 5, logTerm: term + 1 });
      net.stabilize();
      assert.equal(net.sentSince(since, (m) => m.from === 'b' && m.to === 'c').length, 0);
      assert.equal(net.status('b').term, term);
      assert.equal(net.status('b').leader, 'a');
    });
  }

  it('a forced campaign (leadership transfer) bypasses the lease', () => {
    const net = new Cluster({ voters: ['a', 'b', 'c'] });
    net.elect('a');
    net.tick(2);
    const term = net.status('b').term;
    const { lastIndex } = net.status('c');
    net.inject({
      type: 'vote',
      from: 'c',
      to: 'b',
      term: term + 1,
      index: lastIndex,
      logTerm: term,
      context: 'transfer',
    });
    const rd = net.processReady('b');
    const response = rd.messages.find((m) => m.type === 'vote-response');
    assert.equal(response?.reject, undefined, 'the vote is granted');
    assert.equal(net.status('b').term, term + 1);
    assert.equal(net.status('b').vote, 'c');
  });

  it('a follower whose leader has been silent for an election timeout grants votes again', () => {
    const net = new Cluster({ voters: ['a', 'b', 'c'] });
    net.elect('a');
    net.crash('a');
    const term = net.status('b').term;
    const leader = net.tickUntilLeader(['b', 'c']);
    assert.ok(net.status(leader).term > term);
  });
});

describe('the lease across a restart (check-quorum)', () => {
  /**
   * Node b of a,b,c started on a storage whose hard state has `term` (1: freshly bootstrapped). Seed 1
   * gives it an election timeout above electionTicks, so it does not campaign in these tests.
   */
  function started(term: number, config: { checkQuorum?: boolean } = {}): RawNode {
    const storage = MemoryStorage.bootstrap(ABC);
    if (term > 1) storage.setHardState({ term, vote: 'a', commit: B });
    return new RawNode({ id: 'b', storage, random: new SeededRandom(1), ...config });
  }

  /** c asks b for a vote (or pre-vote) for term `term`, with a log as up to date as b's. */
  function request(type: 'vote' | 'pre-vote', term: number, context?: string): Message {
    return { type, from: 'c', to: 'b', term, index: B, logTerm: 1, context };
  }

  /** b's answers to c since the last call (nothing is persisted: these nodes are fed by hand). */
  function answers(b: RawNode): Message[] {
    if (!b.hasReady()) return [];
    const rd = b.ready();
    b.advance();
    return rd.messages.filter((m) => m.to === 'c');
  }

  for (const type of ['vote', 'pre-vote'] as const) {
    it(`a node restarted in a term above 1 ignores a ${type} request for its first election timeout, then grants it`, () => {
      const b = started(3);
      b.step(request(type, 4));
      assert.deepEqual(answers(b), [], 'ignored at start');
      for (let i = 0; i < DEFAULT_ELECTION_TICKS - 1; i++) b.tick();
      b.step(request(type, 4));
      assert.deepEqual(answers(b), [], 'still ignored one tick before the timeout');
      assert.deepEqual([b.status().term, b.status().vote], [3, 'a']);
      b.tick();
      assert.equal(b.status().role, 'follower', 'b did not campaign');
      b.step(request(type, 4));
      const granted = answers(b);
      assert.deepEqual(
        granted.map((m) => [m.type, m.term, m.reject === true]),
        [[`${type}-response`, 4, false]],
      );
      const expected = type === 'vote' ? [4, 'c'] : [3, 'a'];
      assert.deepEqual(
        [b.status().term, b.status().vote],
        expected,
        'a vote takes the term and records c; a pre-vote changes neither',
      );
    });

    it(`a freshly bootstrapped node (term 1) grants a ${type} request at once`, () => {
      const b = started(1);
      b.step(request(type, 2));
      assert.deepEqual(
        answers(b).map((m) => [m.type, m.term, m.reject === true]),
        [[`${type}-response`, 2, false]],
      );
    });

    it(`without check-quorum, a node restarted in a term above 1 grants a ${type} request at once`, () => {
      const b = started(3, { checkQuorum: false });
      b.step(request(type, 4));
      assert.deepEqual(
        answers(b).map((m) => [m.type, m.term, m.reject === true]),
        [[`${type}-response`, 4, false]],
      );
    });
  }

  it('a forced vote (leadership transfer) is granted during the quiet period of a restart', () => {
    const b = started(3);
    b.step(request('vote', 4));
    assert.deepEqual(answers(b), [], 'an ordinary vote is ignored');
    b.step(request('vote', 4, 'transfer'));
    assert.deepEqual(
      answers(b).map((m) => [m.type, m.term, m.reject === true]),
      [['vote-response', 4, false]],
    );
    assert.deepEqual([b.status().term, b.status().vote], [4, 'c']);
  });

  it('a follower restarted right after acknowledging its leader does not help depose it within the lease', () => {
    const net = new Cluster({ voters: ['a', 'b', 'c'] });
    net.elect('a');
    net.tick(1);
    const term = net.status('a').term;
    // a is cut off; b, which acknowledged a's last heartbeat, restarts and forgets who leads.
    net.isolate('a');
    net.crash('b');
    net.restart('b');
    assert.equal(net.status('b').leader, '');
    net.raw('c').campaign();
    net.stabilize();
    assert.equal(net.sentOfType('pre-vote-response', 'b', 'c').length, 0, 'b ignored c');
    assert.notEqual(net.status('c').role, 'leader');
    assert.equal(net.status('c').term, term);
    // Once an election timeout has passed on b, c can win.
    net.passQuietPeriod(['b']);
    net.elect('c');
    assert.equal(net.status('c').term, term + 1);
    assert.equal(net.status('b').leader, 'c');
  });
});
