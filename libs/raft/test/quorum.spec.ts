import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConfChange,
  decodeConfChange,
  encodeConfChange,
  Entry,
  MalformedConfChangeError,
} from '@falconmind/raft';
import { ConfigHistory } from '../src/config-history';
import {
  hasMajority,
  majoritySize,
  majorityValue,
  majorityVoteResult,
} from '../src/quorum/majority';
import { Inflights } from '../src/tracker/inflights';
import { Progress } from '../src/tracker/progress';
import { bytes } from './harness';

describe('majority quorums', () => {
  const sizes = [
    [1, 1],
    [2, 2],
    [3, 2],
    [4, 3],
    [5, 3],
  ];
  for (const [voters, majority] of sizes) {
    it(`a majority of ${voters} voters is ${majority}`, () => {
      assert.equal(majoritySize(voters), majority);
    });
  }

  const valueCases: Array<{ values: Record<string, number>; expected: number }> = [
    { values: {}, expected: 0 },
    { values: { a: 5 }, expected: 5 },
    { values: { a: 5, b: 3 }, expected: 3 },
    { values: { a: 5, b: 3, c: 1 }, expected: 3 },
    { values: { a: 1, b: 9, c: 9, d: 2 }, expected: 2 },
    { values: { a: 7, b: 7, c: 7, d: 2, e: 1 }, expected: 7 },
  ];
  for (const c of valueCases) {
    it(`majorityValue of ${JSON.stringify(c.values)} is ${c.expected}`, () => {
      const voters = new Set(Object.keys(c.values));
      assert.equal(
        majorityValue(voters, (id) => c.values[id]),
        c.expected,
      );
    });
  }

  const voteCases: Array<{ votes: Array<[string, boolean]>; expected: string }> = [
    { votes: [], expected: 'pending' },
    { votes: [['a', true]], expected: 'pending' },
    {
      votes: [
        ['a', true],
        ['b', true],
      ],
      expected: 'won',
    },
    {
      votes: [
        ['a', false],
        ['b', false],
      ],
      expected: 'lost',
    },
    {
      votes: [
        ['a', true],
        ['b', false],
      ],
      expected: 'pending',
    },
    {
      votes: [
        ['a', true],
        ['z', true],
      ],
      expected: 'pending',
    },
  ];
  for (const c of voteCases) {
    it(`majorityVoteResult among a,b,c with votes ${JSON.stringify(c.votes)} is ${c.expected}`, () => {
      assert.equal(majorityVoteResult(new Set(['a', 'b', 'c']), new Map(c.votes)), c.expected);
    });
  }

  it('hasMajority counts voters only', () => {
    const voters = new Set(['a', 'b', 'c']);
    assert.equal(
      hasMajority(voters, (id) => id === 'a' || id === 'z'),
      false,
    );
    assert.equal(
      hasMajority(voters, (id) => id !== 'c'),
      true,
    );
  });
});

describe('flow control', () => {
  it('Inflights is full at its message limit and frees acknowledged messages', () => {
    const inflights = new Inflights(3, 0);
    for (const last of [10, 20, 30]) inflights.add(last, 100);
    assert.equal(inflights.full(), true);
    inflights.freeLE(20);
    assert.equal(inflights.count(), 1);
    assert.equal(inflights.full(), false);
    inflights.freeFirstOne();
    assert.equal(inflights.count(), 0);
  });

  it('Inflights is full at its byte limit', () => {
    const inflights = new Inflights(100, 250);
    inflights.add(1, 100);
    inflights.add(2, 100);
    assert.equal(inflights.full(), false);
    inflights.add(3, 100);
    assert.equal(inflights.full(), true);
    inflights.freeLE(1);
    assert.equal(inflights.full(), false);
  });

  const decreaseCases = [
    { state: 'probe', next: 10, match: 3, rejected: 9, hint: 5, changed: true, newNext: 6 },
    { state: 'probe', next: 10, match: 3, rejected: 7, hint: 5, changed: false, newNext: 10 },
    { state: 'probe', next: 10, match: 7, rejected: 9, hint: 2, changed: true, newNext: 8 },
    { state: 'replicate', next: 10, match: 3, rejected: 8, hint: 5, changed: true, newNext: 4 },
    { state: 'replicate', next: 10, match: 3, rejected: 3, hint: 1, changed: false, newNext: 10 },
  ] as const;
  for (const c of decreaseCases) {
    it(`in ${c.state}, a rejection of ${c.rejected} (hint ${c.hint}) with next ${c.next}, match ${c.match} ${c.changed ? `moves next to ${c.newNext}` : 'is stale'}`, () => {
      const progress = new Progress(c.next, false, 10, 0);
      progress.match = c.match;
      if (c.state === 'replicate') {
        progress.becomeReplicate();
        progress.next = c.next;
      }
      assert.equal(progress.maybeDecreaseTo(c.rejected, c.hint), c.changed);
      assert.equal(progress.next, c.newNext);
    });
  }
});

describe('conf-change entries and the membership history', () => {
  function confEntry(index: number, change: ConfChange): Entry {
    return { index, term: 1, type: 'conf-change', data: encodeConfChange(change) };
  }
  const base = { voters: ['a', 'b', 'c'], learners: [] };

  it('a conf change survives encoding', () => {
    const change: ConfChange = { type: 'add-learner', nodeId: 'd', context: 'http://d:4000' };
    assert.deepEqual(decodeConfChange(encodeConfChange(change)), change);
  });

  for (const raw of ['not json', '[]', '{"type":"promote","nodeId":"d"}', '{"type":"add-voter"}']) {
    it(`decoding ${raw} throws MalformedConfChangeError`, () => {
      assert.throws(() => decodeConfChange(bytes(raw)), MalformedConfChangeError);
    });
  }

  it('the history records each change at its index and answers for any index', () => {
    const history = new ConfigHistory(0, base);
    history.onAppend([
      confEntry(4, { type: 'add-learner', nodeId: 'd' }),
      { index: 5, term: 1, type: 'normal', data: bytes('x') },
      confEntry(6, { type: 'remove-node', nodeId: 'c' }),
    ]);
    assert.equal(history.currentIndex(), 6);
    assert.deepEqual(history.current(), { voters: ['a', 'b'], learners: ['d'] });
    assert.deepEqual(history.at(5), { voters: ['a', 'b', 'c'], learners: ['d'] });
    assert.deepEqual(history.at(3), base);
  });

  it('a change whose entry is overwritten is forgotten', () => {
    const history = new ConfigHistory(0, base);
    history.onAppend([confEntry(4, { type: 'add-learner', nodeId: 'd' })]);
    history.onAppend([{ index: 4, term: 2, type: 'normal', data: bytes('x') }]);
    assert.deepEqual(history.current(), base);
    assert.equal(history.currentIndex(), 0);
  });

  it('a change that does not fit the membership is ignored the same way everywhere', () => {
    const history = new ConfigHistory(0, base);
    history.onAppend([confEntry(4, { type: 'add-voter', nodeId: 'a' })]);
    assert.deepEqual(history.current(), base);
  });
});
