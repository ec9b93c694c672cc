import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStorage, Message, RawNode, SeededRandom } from '@falconmind/raft';
import { bootstrapLength, Cluster, storageWithLog, tickThroughQuietPeriod } from './harness';

const ABC = { voters: ['a', 'b', 'c'], learners: [] };
/** Last index of a freshly bootstrapped a,b,c log; its entries have term 1. */
const B = bootstrapLength(ABC);

/**
 * A lone node of an a,b,c cluster, fed messages by hand. Its seed gives it an election timeout above
 * electionTicks, so it can tick through the quiet period of a restart without campaigning.
 */
function lone(id: string, storage: MemoryStorage = MemoryStorage.bootstrap(ABC)): RawNode {
  return new RawNode({ id, storage, random: new SeededRandom(1), preVote: false });
}

/** Takes one Ready from `node`, persisting nothing; returns its messages. */
function drain(node: RawNode): readonly Message[] {
  if (!node.hasReady()) return [];
  const rd = node.ready();
  node.advance();
  return rd.messages;
}

function voteRequest(from: string, to: string, term: number, index: number, logTerm: number) {
  return { type: 'vote' as const, from, to, term, index, logTerm };
}

describe('elections', () => {
  it('a single node becomes leader and commits its empty entry', () => {
    const net = new Cluster({ voters: ['a'] });
    const base = bootstrapLength({ voters: ['a'], learners: [] });
    assert.equal(net.tickUntilLeader(), 'a');
    net.stabilize();
    const s = net.status('a');
    assert.equal(s.commit, base + 1);
    assert.equal(s.applied, base + 1);
    const last = net.node('a').applied.at(-1);
    assert.deepEqual(
      [last?.index, last?.term, last?.type, last?.data.byteLength],
      [base + 1, s.term, 'normal', 0],
    );
  });

  for (const seed of [1, 2, 3, 4, 5]) {
    it(`three nodes elect exactly one leader, which all of them follow (seed ${seed})`, () => {
      const net = new Cluster({ voters: ['a', 'b', 'c'], seed });
      const leader = net.tickUntilLeader();
      net.stabilize();
      assert.deepEqual(net.leaders(), [leader]);
      const term = net.status(leader).term;
      for (const id of ['a', 'b', 'c']) {
        assert.equal(net.status(id).leader, leader, `${id} follows the leader`);
        assert.equal(net.status(id).term, term, `${id} is in the leader's term`);
      }
    });
  }

  it('a vote is persisted (hardState.vote) in the same Ready as the vote response that grants it', () => {
    const net = new Cluster({ voters: ['a', 'b', 'c'], config: { preVote: false } });
    net.elect('a');
    for (const id of ['b', 'c']) {
      const carrying = net
        .node(id)
        .readies.filter((rd) => rd.messages.some((m) => m.type === 'vote-response' && !m.reject));
      assert.equal(carrying.length, 1, `${id} granted one vote`);
      const [rd] = carrying;
      const response = rd.messages.find((m) => m.type === 'vote-response');
      assert.equal(rd.hardState?.vote, 'a');
      assert.equal(rd.hardState?.term, response?.term);
      assert.equal(rd.mustSync, true);
    }
  });

  it('a node votes at most once per term (§5.2)', () => {
    const b = lone('b');
    b.step(voteRequest('a', 'b', 2, B, 1));
    b.step(voteRequest('c', 'b', 2, B, 1));
    b.step(voteRequest('a', 'b', 2, B, 1));
    const responses = drain(b).filter((m) => m.type === 'vote-response');
    assert.deepEqual(
      responses.map((m) => [m.to, m.reject === true]),
      [
        ['a', false],
        ['c', true],
        ['a', false],
      ],
    );
    assert.equal(b.status().vote, 'a');
  });

  it('a restarted node remembers its vote and does not vote again in the same term', () => {
    const storage = MemoryStorage.bootstrap(ABC);
    const before = lone('b', storage);
    before.step(voteRequest('a', 'b', 2, B, 1));
    const rd = before.ready();
    if (rd.hardState) storage.setHardState(rd.hardState);
    before.advance();
    const after = lone('b', storage);
    after.step(voteRequest('c', 'b', 2, B, 1));
    const [response] = drain(after).filter((m) => m.type === 'vote-response');
    assert.equal(response.reject, true);
    assert.equal(after.status().vote, 'a');
  });

  it('a node that voted for another in a term votes again in a later term', () => {
    const b = lone('b');
    b.step(voteRequest('a', 'b', 2, B, 1));
    b.step(voteRequest('c', 'b', 3, B, 1));
    const responses = drain(b).filter((m) => m.type === 'vote-response');
    assert.deepEqual(
      responses.map((m) => [m.to, m.term, m.reject === true]),
      [
        ['a', 2, false],
        ['c', 3, false],
      ],
    );
    assert.equal(b.status().vote, 'c');
  });

  // The voter's log ends at index B + 2, term 2.
  const upToDateCases = [
    { name: 'a lower last term, even with a longer log', index: B + 5, logTerm: 1, granted: false },
    { name: 'the same last term and a shorter log', index: B + 1, logTerm: 2, granted: false },
    { name: 'the same last term and the same length', index: B + 2, logTerm: 2, granted: true },
    { name: 'the same last term and a longer log', index: B + 3, logTerm: 2, granted: true },
    {
      name: 'a higher last term, even with a shorter log',
      index: B + 1,
      logTerm: 3,
      granted: true,
    },
  ];
  for (const c of upToDateCases) {
    it(`a candidate whose log has ${c.name} is ${c.granted ? 'granted' : 'refused'} a vote (§5.4.1)`, () => {
      const b = lone('b', storageWithLog(ABC, [1, 2], { term: 2 }));
      // b starts in term 2, so it refuses votes for an election timeout (it may have granted a lease).
      tickThroughQuietPeriod(b);
      b.step(voteRequest('c', 'b', 3, c.index, c.logTerm));
      const [response] = drain(b).filter((m) => m.type === 'vote-response');
      assert.equal(response.reject === true, !c.granted);
      assert.equal(b.status().vote, c.granted ? 'c' : '');
      // Either way, the higher term is adopted.
      assert.equal(b.status().term, 3);
    });
  }

  const higherTermMessages: Array<{
    name: string;
    config?: { checkQuorum: boolean };
    message: (term: number) => Message;
    leader: string;
  }> = [
    {
      name: 'a heartbeat',
      message: (term) => ({ type: 'heartbeat', from: 'c', to: 'a', term, commit: 0 }),
      leader: 'c',
    },
    {
      name: 'an append',
      message: (term) => ({
        type: 'append',
        from: 'c',
        to: 'a',
        term,
        index: 0,
        logTerm: 0,
        entries: [],
        commit: 0,
      }),
      leader: 'c',
    },
    {
      name: 'an append response',
      message: (term) => ({ type: 'append-response', from: 'c', to: 'a', term, index: 0 }),
      leader: '',
    },
    {
      name: 'a vote request (without check-quorum)',
      config: { checkQuorum: false },
      message: (term) => voteRequest('c', 'a', term, 100, 100),
      leader: '',
    },
  ];
  for (const c of higherTermMessages) {
    it(`a leader steps down to follower on ${c.name} of a higher term (§5.1)`, () => {
      const net = new Cluster({ voters: ['a', 'b', 'c'], config: c.config });
      net.elect('a');
      const term = net.status('a').term;
      net.inject(c.message(term + 1));
      const s = net.status('a');
      assert.equal(s.role, 'follower');
      assert.equal(s.term, term + 1);
      assert.equal(s.leader, c.leader);
    });
  }

  for (const electionTicks of [3, 10]) {
    it(`the election timeout is randomised within [${electionTicks}, ${2 * electionTicks}) ticks`, () => {
      const seen = new Set<number>();
      for (let seed = 1; seed <= 60; seed++) {
        const node = new RawNode({
          id: 'a',
          storage: MemoryStorage.bootstrap(ABC),
          random: new SeededRandom(seed),
          electionTicks,
        });
        let ticks = 0;
        while (node.status().role === 'follower' && ticks < 10 * electionTicks) {
          node.tick();
          ticks++;
        }
        assert.ok(ticks >= electionTicks && ticks < 2 * electionTicks, `seed ${seed}: ${ticks}`);
        seen.add(ticks);
      }
      assert.ok(seen.size > 1, 'the timeout varies between nodes');
    });
  }

  const availability = [
    { crashed: ['d', 'e'], elects: true },
    { crashed: ['c', 'd', 'e'], elects: false },
  ];
  for (const c of availability) {
    it(`five voters with ${c.crashed.length} down ${c.elects ? 'elect' : 'cannot elect'} a leader`, () => {
      const net = new Cluster({ voters: ['a', 'b', 'c', 'd', 'e'] });
      for (const id of c.crashed) net.crash(id);
      net.tick(100);
      assert.equal(net.leader() !== undefined, c.elects);
    });
  }

  it('a follower that hears from its leader does not campaign', () => {
    const net = new Cluster({ voters: ['a', 'b', 'c'] });
    net.elect('a');
    const term = net.status('a').term;
    net.tick(100);
    assert.equal(net.leader(), 'a');
    assert.equal(net.status('b').term, term);
    assert.equal(net.sentOfType('pre-vote', 'b').length + net.sentOfType('vote', 'b').length, 0);
  });
});
