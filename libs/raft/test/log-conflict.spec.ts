import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapLength, Cluster, storageWithLog, storedLog } from './harness';

const ABC = { voters: ['a', 'b', 'c'], learners: [] };
const B = bootstrapLength(ABC);

/**
 * a, b and c start from hand-built logs (terms of the entries after the bootstrap ones), then let an
 * election timeout pass: a node restarted in a term above 1 refuses votes until then.
 */
function clusterWithLogs(logs: { a: number[]; b: number[]; c: number[] }): Cluster {
  const lastTerm = (terms: number[]) => Math.max(1, ...terms);
  const net = new Cluster({
    voters: ['a', 'b', 'c'],
    storages: {
      a: storageWithLog(ABC, logs.a, { term: lastTerm(logs.a) }),
      b: storageWithLog(ABC, logs.b, { term: lastTerm(logs.b) }),
      c: storageWithLog(ABC, logs.c, { term: lastTerm(logs.c) }),
    },
  });
  net.passQuietPeriod();
  return net;
}

function appendRejections(net: Cluster, from: string): number {
  return net.sentOfType('append-response', from).filter((m) => m.reject).length;
}

describe('log conflicts (§5.3)', () => {
  it('a follower with a divergent uncommitted suffix ends with a log identical to the leader', () => {
    const net = clusterWithLogs({ a: [2, 2], b: [], c: [1, 1, 1, 1, 1] });
    net.elect('a');
    net.propose('a', 'after repair');
    net.stabilize();
    const leaderLog = storedLog(net.node('a').storage);
    assert.deepEqual(storedLog(net.node('c').storage), leaderLog);
    assert.deepEqual(storedLog(net.node('b').storage), leaderLog);
    assert.deepEqual(net.appliedPayloads('c'), net.appliedPayloads('a'));
    assert.ok(
      !net.appliedPayloads('c').some((p) => p.startsWith('t1')),
      'stale entries never applied',
    );
  });

  it('a truncated suffix is replaced in the follower storage, not just appended to', () => {
    const net = clusterWithLogs({ a: [2, 2], b: [2, 2], c: [1, 1, 1, 1, 1] });
    net.elect('a');
    const { lastIndex } = net.status('a');
    assert.equal(net.node('c').storage.lastIndex(), lastIndex);
    assert.equal(net.raw('c').termAt(B + 3), net.status('a').term);
  });

  const backOffCases = [
    {
      name: 'a long suffix of a stale term',
      logs: { a: [3, 3, 3, 3, 3, 3], b: [3, 3, 3, 3, 3, 3], c: [2, 2, 2, 2, 2, 2, 2, 2, 2] },
    },
    {
      name: 'a much shorter log',
      logs: { a: [2, 2, 2, 2, 2, 2, 2], b: [2, 2, 2, 2, 2, 2, 2], c: [] },
    },
    {
      name: 'a suffix of a term the leader has not got',
      logs: { a: [2, 2, 5, 5, 5, 5], b: [2, 2, 5, 5, 5, 5], c: [2, 2, 4, 4, 4, 4, 4, 4] },
    },
  ];
  for (const c of backOffCases) {
    it(`the leader skips a whole conflicting term per rejection: a follower with ${c.name} rejects once`, () => {
      const net = clusterWithLogs(c.logs);
      net.elect('a');
      assert.equal(appendRejections(net, 'c'), 1);
      assert.deepEqual(storedLog(net.node('c').storage), storedLog(net.node('a').storage));
    });
  }
});

describe('committing entries from previous terms (§5.4.2, Figure 8)', () => {
  /**
   * a and b hold an entry of term 2 at B + 1 that c lacks. a wins term 3 and appends its empty entry at
   * B + 2, but its appends are lost; then b acknowledges B + 1 only.
   */
  function figure8(): Cluster {
    const net = clusterWithLogs({ a: [2], b: [2], c: [] });
    net.dropFilter((m) => m.type === 'append' && m.from === 'a');
    net.elect('a');
    net.inject({ type: 'append-response', from: 'b', to: 'a', term: 3, index: B + 1 });
    net.stabilize();
    return net;
  }

  it('a leader does not commit an entry of an older term because a majority stores it', () => {
    const net = figure8();
    assert.equal(net.status('a').term, 3);
    assert.equal(net.status('a').progress.get('b')?.match, B + 1, 'b holds B + 1');
    assert.equal(net.status('a').commit, B);
    assert.deepEqual(net.appliedPayloads('a'), []);
  });

  it('an entry of an older term commits once an entry of the current term is replicated', () => {
    const net = figure8();
    net.heal();
    net.tick(1);
    for (const id of ['a', 'b', 'c']) {
      assert.equal(net.status(id).commit, B + 2, id);
      assert.deepEqual(net.appliedPayloads(id), [`t2i${B + 1}`], id);
    }
  });
});
