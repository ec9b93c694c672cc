import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, DEFAULT_ELECTION_TICKS } from './harness';

const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);

/**
 * a leads a,b,c; then a's process dies. With `report`, b and c are told their connection to a
 * failed, as the host's transport tells them when a's end of the connection closes. Returns the ticks
 * until b or c leads.
 */
function ticksToReplaceCrashedLeader(seed: number, report: boolean): number {
  const net = new Cluster({ voters: ['a', 'b', 'c'], seed });
  net.elect('a');
  net.tick(3);
  net.crash('a');
  if (report) {
    for (const id of ['b', 'c']) net.raw(id).reportUnreachable('a', 'disconnected');
  }
  for (let ticks = 0; ticks < 10 * DEFAULT_ELECTION_TICKS; ticks++) {
    if (net.status('b').role === 'leader' || net.status('c').role === 'leader') return ticks;
    net.tick(1, ['b', 'c']);
  }
  throw new Error(`seed ${seed}: no new leader`);
}

describe('a follower told its connection to the leader failed', () => {
  it('campaigns within the random part of its election timeout, not after the fixed part too', () => {
    const told = SEEDS.map((seed) => ticksToReplaceCrashedLeader(seed, true));
    const untold = SEEDS.map((seed) => ticksToReplaceCrashedLeader(seed, false));
    // Both followers' timers start together, so one election in ten or so ties and goes again
    // after a whole timeout, told or not: the bound holds for the others.
    const withinOneTimeout = told.filter((ticks) => ticks <= DEFAULT_ELECTION_TICKS).length;
    assert.ok(
      withinOneTimeout >= 0.75 * SEEDS.length,
      `told: ${told.join(',')} ticks; too few within one election timeout`,
    );
    const median = (values: number[]) => [...values].sort((x, y) => x - y)[values.length >> 1];
    assert.ok(
      median(untold) >= median(told) + DEFAULT_ELECTION_TICKS / 2,
      `median told ${median(told)} vs untold ${median(untold)} ticks (${untold.join(',')})`,
    );
  });

  it('deposes no one when the leader still reaches it (its heartbeats reset the timer)', () => {
    for (const seed of SEEDS) {
      const net = new Cluster({ voters: ['a', 'b', 'c'], seed });
      net.elect('a');
      const term = net.status('a').term;
      net.raw('b').reportUnreachable('a', 'disconnected');
      net.tick(5 * DEFAULT_ELECTION_TICKS);
      assert.equal(net.leader(), 'a', `seed ${seed}`);
      for (const id of ['a', 'b', 'c'])
        assert.equal(net.status(id).term, term, `seed ${seed} ${id}`);
    }
  });

  it('cut off from the leader alone, it cannot raise the term: the other follower is in its lease', () => {
    for (const seed of SEEDS) {
      const net = new Cluster({ voters: ['a', 'b', 'c'], seed });
      net.elect('a');
      const term = net.status('a').term;
      const cutAtoC = (from: string, to: string) =>
        (from === 'a' && to === 'c') || (from === 'c' && to === 'a');
      net.dropFilter((m) => cutAtoC(m.from, m.to));
      net.raw('c').reportUnreachable('a', 'disconnected');
      net.tick(5 * DEFAULT_ELECTION_TICKS);
      assert.ok(net.sentOfType('pre-vote', 'c').length > 0, `seed ${seed}: c did campaign`);
      net.heal();
      net.tick(2 * DEFAULT_ELECTION_TICKS);
      assert.equal(net.leader(), 'a', `seed ${seed}`);
      for (const id of ['a', 'b', 'c'])
        assert.equal(net.status(id).term, term, `seed ${seed} ${id}`);
    }
  });

  it('is not moved by a report about a peer that is not its leader, nor by congestion', () => {
    for (const seed of SEEDS) {
      const net = new Cluster({ voters: ['a', 'b', 'c'], seed });
      net.elect('a');
      net.crash('a');
      net.raw('b').reportUnreachable('c', 'disconnected');
      net.raw('b').reportUnreachable('a', 'congested');
      const sentBefore = net.sentOfType('pre-vote', 'b').length;
      net.tick(DEFAULT_ELECTION_TICKS - 1, ['b']);
      assert.equal(net.sentOfType('pre-vote', 'b').length, sentBefore, `seed ${seed}`);
      assert.equal(net.status('b').role, 'follower', `seed ${seed}`);
    }
  });
});
