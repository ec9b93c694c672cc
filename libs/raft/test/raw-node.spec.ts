import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MemoryStorage,
  RaftConfig,
  RaftConfigError,
  RaftUsageError,
  RawNode,
  SeededRandom,
} from '@falconmind/raft';
import { Cluster } from './harness';

function node(patch: Partial<RaftConfig> = {}): RawNode {
  return new RawNode({
    id: 'a',
    storage: MemoryStorage.bootstrap({ voters: ['a', 'b', 'c'], learners: [] }),
    random: new SeededRandom(1),
    ...patch,
  });
}

describe('RaftConfig validation', () => {
  const invalid: Array<{ name: string; patch: Partial<RaftConfig>; field: string }> = [
    { name: 'an empty id', patch: { id: '' }, field: 'id' },
    {
      name: 'electionTicks equal to heartbeatTicks',
      patch: { electionTicks: 3, heartbeatTicks: 3 },
      field: 'electionTicks',
    },
    {
      name: 'electionTicks below heartbeatTicks',
      patch: { electionTicks: 2, heartbeatTicks: 5 },
      field: 'electionTicks',
    },
    { name: 'a fractional electionTicks', patch: { electionTicks: 7.5 }, field: 'electionTicks' },
    { name: 'a zero heartbeatTicks', patch: { heartbeatTicks: 0 }, field: 'heartbeatTicks' },
    {
      name: 'a negative leaseMarginTicks',
      patch: { leaseMarginTicks: -1 },
      field: 'leaseMarginTicks',
    },
    {
      name: 'a leaseMarginTicks as long as the election timeout',
      patch: { electionTicks: 10, leaseMarginTicks: 10 },
      field: 'leaseMarginTicks',
    },
    {
      name: 'a fractional leaseMarginTicks',
      patch: { leaseMarginTicks: 0.5 },
      field: 'leaseMarginTicks',
    },
    { name: 'a zero maxSizePerMsg', patch: { maxSizePerMsg: 0 }, field: 'maxSizePerMsg' },
    { name: 'a zero maxInflightMsgs', patch: { maxInflightMsgs: 0 }, field: 'maxInflightMsgs' },
    {
      name: 'a negative maxInflightBytes',
      patch: { maxInflightBytes: -1 },
      field: 'maxInflightBytes',
    },
  ];
  for (const c of invalid) {
    it(`${c.name} is rejected with a RaftConfigError naming ${c.field}`, () => {
      assert.throws(
        () => node(c.patch),
        (error: unknown) =>
          error instanceof RaftConfigError &&
          error.field === c.field &&
          error.message.includes(c.field),
      );
    });
  }

  it('the defaults are valid, and so are the edge values', () => {
    node();
    node({ electionTicks: 2, heartbeatTicks: 1, leaseMarginTicks: 0, maxInflightBytes: 0 });
    node({ electionTicks: 10, leaseMarginTicks: 9 });
  });
});

describe('RawNode API', () => {
  it('ready() twice without advance() throws RaftUsageError', () => {
    const n = node();
    n.campaign();
    n.ready();
    assert.throws(() => n.ready(), RaftUsageError);
  });

  it('advance() without ready() throws RaftUsageError', () => {
    assert.throws(() => node().advance(), RaftUsageError);
  });

  it('advance() twice for one ready() throws RaftUsageError', () => {
    const n = node();
    n.campaign();
    n.ready();
    n.advance();
    assert.throws(() => n.advance(), RaftUsageError);
  });

  it('hasReady() is false while a Ready is being carried out', () => {
    const n = node();
    n.campaign();
    assert.equal(n.hasReady(), true);
    n.ready();
    n.tick();
    assert.equal(n.hasReady(), false);
    n.advance();
  });

  it('a fresh node has nothing to do once its bootstrap entries are applied', () => {
    const n = node();
    assert.equal(n.hasReady(), true, 'the committed bootstrap entries');
    const rd = n.ready();
    assert.ok(rd.committedEntries.every((e) => e.type === 'conf-change'));
    assert.deepEqual(rd.messages, []);
    n.advance();
    assert.equal(n.hasReady(), false);
  });

  it('each Ready reports soft and hard state only when they changed', () => {
    const net = new Cluster({ voters: ['a', 'b', 'c'] });
    net.elect('a');
    net.tick(3);
    const readies = net.node('a').readies;
    const roles = readies.map((rd) => rd.softState?.role).filter((r) => r !== undefined);
    assert.deepEqual(roles, ['pre-candidate', 'candidate', 'leader']);
    const terms = readies.map((rd) => rd.hardState?.term).filter((t) => t !== undefined);
    assert.ok(
      terms.every((t, i) => i === 0 || t >= terms[i - 1]),
      'terms never go back',
    );
  });

  it('a message addressed to another node is ignored', () => {
    const n = node();
    n.ready();
    n.advance();
    n.step({ type: 'heartbeat', from: 'b', to: 'z', term: 9, commit: 0 });
    assert.equal(n.status().term, 1);
    assert.equal(n.hasReady(), false);
  });

  it('a node that crashes after persisting a Ready, before sending it, restarts with what it persisted', () => {
    const storage = MemoryStorage.bootstrap({ voters: ['a'], learners: [] });
    const before = new RawNode({ id: 'a', storage, random: new SeededRandom(1) });
    before.campaign();
    const rd = before.ready();
    storage.append(rd.entries);
    if (rd.hardState) storage.setHardState(rd.hardState);
    // Crash: no messages sent, no advance().
    const after = new RawNode({ id: 'a', storage, random: new SeededRandom(2) });
    const s = after.status();
    assert.equal(s.term, rd.hardState?.term);
    assert.equal(s.vote, 'a');
    assert.equal(s.lastIndex, rd.entries.at(-1)?.index);
    assert.equal(s.role, 'follower');
  });

  it('a restarted node keeps its term and vote', () => {
    const net = new Cluster({ voters: ['a', 'b', 'c'], config: { preVote: false } });
    net.elect('a');
    const before = net.status('b');
    net.crash('b');
    net.restart('b');
    const after = net.status('b');
    assert.deepEqual(
      [after.term, after.vote, after.commit],
      [before.term, before.vote, before.commit],
    );
    assert.equal(after.vote, 'a');
  });
});
