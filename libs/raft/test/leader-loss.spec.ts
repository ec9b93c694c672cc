import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, DEFAULT_ELECTION_TICKS } from './harness';

const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);

/** a leads a,b,c (seeded); returns the cluster and a's term. */
function ledByA(seed: number): { net: Cluster; term: number } {
  const net = new Cluster({ voters: ['a', 'b', 'c'], seed });
  net.elect('a');
  return { net, term: net.status('a').term };
}

/** a still leads, and no node's term moved. */
function assertAStillLeads(net: Cluster, term: number, seed: number): void {
  assert.equal(net.leader(), 'a', `seed ${seed}`);
  for (const id of ['a', 'b', 'c']) assert.equal(net.status(id).term, term, `seed ${seed} ${id}`);
}

/** Drops every message between `x` and `y`, both ways. */
function cutBetween(net: Cluster, x: string, y: string): void {
  net.dropFilter((m) => (m.from === x && m.to === y) || (m.from === y && m.to === x));
}

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
  it('campaigns as soon as its lease ends, one follower after the other, instead of at random', () => {
    const told = SEEDS.map((seed) => ticksToReplaceCrashedLeader(seed, true));
    const untold = SEEDS.map((seed) => ticksToReplaceCrashedLeader(seed, false));
    // Told, b (first in id order) campaigns electionTicks + 1 ticks after it last heard from a, and
    // c two ticks later: no split vote, whatever the seed. Heartbeats went every tick until the crash.
    assert.ok(
      told.every((ticks) => ticks <= DEFAULT_ELECTION_TICKS + 1),
      `told: ${told.join(',')} ticks`,
    );
    // Untold, they campaign at random within the second election timeout, and now and then on the
    // same tick, splitting the vote and going again after a whole timeout.
    const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
    assert.ok(
      mean(untold) >= mean(told) + 2 && Math.max(...untold) > 2 * DEFAULT_ELECTION_TICKS,
      `mean told ${mean(told)} vs untold ${mean(untold)} ticks (${untold.join(',')})`,
    );
  });

  it('still refuses every vote until its lease ends, so the leader’s lease reads stay right', () => {
    for (const seed of SEEDS) {
      const { net, term } = ledByA(seed);
      // b is told its connection to a failed though a lives, and c is cut off from a and b's
      // lease: c campaigns at once. Were b to grant it, c could lead while a serves lease reads.
      net.raw('b').reportUnreachable('a', 'disconnected');
      cutBetween(net, 'a', 'c');
      cutBetween(net, 'a', 'b');
      net.raw('c').campaign();
      net.tick(DEFAULT_ELECTION_TICKS - 1, ['b', 'c']);
      assert.equal(net.status('b').term, term, `seed ${seed}: b raised its term within its lease`);
      assert.notEqual(net.status('c').role, 'leader', `seed ${seed}: c won within b's lease`);
    }
  });

  it('deposes no one when the leader still reaches it (its heartbeats reset the timer)', () => {
    for (const seed of SEEDS) {
      const { net, term } = ledByA(seed);
      net.raw('b').reportUnreachable('a', 'disconnected');
      net.tick(5 * DEFAULT_ELECTION_TICKS);
      assertAStillLeads(net, term, seed);
    }
  });

  it('cut off from the leader alone, it cannot raise the term: the other follower is in its lease', () => {
    for (const seed of SEEDS) {
      const { net, term } = ledByA(seed);
      cutBetween(net, 'a', 'c');
      net.raw('c').reportUnreachable('a', 'disconnected');
      net.tick(5 * DEFAULT_ELECTION_TICKS);
      assert.ok(net.sentOfType('pre-vote', 'c').length > 0, `seed ${seed}: c did campaign`);
      net.heal();
      net.tick(2 * DEFAULT_ELECTION_TICKS);
      assertAStillLeads(net, term, seed);
    }
  });

  it('is not moved by a report about a peer that is not its leader, nor by congestion', () => {
    for (const seed of SEEDS) {
      const { net } = ledByA(seed);
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
