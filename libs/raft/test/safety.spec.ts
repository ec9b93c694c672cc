/**
 * Randomised runs over an unreliable network (loss, duplication, delay, reordering, partitions,
 * crashes, membership changes), checking Raft's safety properties after every Ready:
 * - election safety: at most one leader per term (§5.2);
 * - state machine safety: no two nodes apply different entries at the same index (§5.4.3);
 * - linearizable reads: a ReadState is never older than a commit that preceded its request (§6.4).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConfChange,
  ConfChangeRejectedError,
  NodeId,
  NotLeaderError,
  ProposalDroppedError,
  RaftError,
  ReadIndexDroppedError,
  SeededRandom,
} from '@falconmind/raft';
import { bytes, Cluster, NodeOptions, text } from './harness';

const EXPECTED_ERRORS = [
  ProposalDroppedError,
  ReadIndexDroppedError,
  NotLeaderError,
  ConfChangeRejectedError,
];

function tolerate(action: () => void): void {
  try {
    action();
  } catch (error) {
    if (!(error instanceof RaftError) || !EXPECTED_ERRORS.some((e) => error instanceof e)) {
      throw error;
    }
  }
}

interface RunOptions {
  readonly seed: number;
  readonly steps: number;
  readonly crashes: boolean;
  readonly leaseReads: boolean;
  readonly config?: NodeOptions;
}

function run(options: RunOptions): void {
  const random = new SeededRandom(options.seed * 7 + 3);
  const leaderOfTerm = new Map<number, NodeId>();
  const appliedAt = new Map<number, string>();
  /** Per read context: the highest commit index any node knew when the read was requested. */
  const readFloor = new Map<string, number>();
  let readCount = 0;
  let readsAnswered = 0;

  const net: Cluster = new Cluster({
    voters: ['a', 'b', 'c', 'd'],
    seed: options.seed,
    config: options.config,
    chaos: {
      random: new SeededRandom(options.seed * 13 + 5),
      dropRate: 0.1,
      duplicateRate: 0.05,
      delayRate: 0.1,
    },
    onReady: (node, rd) => {
      const s = node.raw.status();
      if (s.role === 'leader') {
        const other = leaderOfTerm.get(s.term);
        assert.ok(other === undefined || other === node.id, `two leaders in term ${s.term}`);
        leaderOfTerm.set(s.term, node.id);
      }
      for (const e of node.applied) {
        const value = `${e.term}/${e.type}/${text(e.data)}`;
        const seen = appliedAt.get(e.index);
        assert.ok(seen === undefined || seen === value, `index ${e.index}: ${seen} vs ${value}`);
        appliedAt.set(e.index, value);
      }
      for (const rs of rd.readStates) {
        const floor = readFloor.get(rs.context) ?? 0;
        assert.ok(rs.index >= floor, `read ${rs.context} at ${rs.index} misses commit ${floor}`);
        readsAnswered++;
      }
    },
  });
  net.addNode('e');

  const ids = ['a', 'b', 'c', 'd', 'e'];
  const pick = <T>(xs: readonly T[]): T => xs[random.nextInt(xs.length)];
  const knownCommit = () =>
    Math.max(...ids.map((id) => net.node(id).storage.initialState().hardState.commit));

  for (let step = 0; step < options.steps; step++) {
    const live = net.liveIds();
    const roll = random.nextInt(100);
    if (roll < 45) {
      net.tick(1);
    } else if (roll < 65) {
      tolerate(() => net.propose(pick(live), `s${options.seed}-${step}`));
      net.stabilize();
    } else if (roll < 72) {
      const ctx = `r${readCount++}`;
      readFloor.set(ctx, knownCommit());
      tolerate(() => net.raw(pick(live)).readIndex(ctx, { lease: options.leaseReads }));
      net.stabilize();
    } else if (roll < 77) {
      // One partitioned node at a time, so that a majority is usually reachable.
      net.heal();
      net.isolate(pick(ids));
    } else if (roll < 82) {
      net.heal();
    } else if (roll < 86 && options.crashes) {
      if (live.length > 3) net.crash(pick(live));
    } else if (roll < 92 && options.crashes) {
      const down = ids.filter((id) => net.node(id).crashed);
      if (down.length > 0) net.restart(pick(down));
    } else if (roll < 94) {
      // The host snapshots its state machine and compacts the log behind it.
      const node = net.node(pick(live));
      const index = node.appliedIndex - random.nextInt(3);
      if (index >= node.storage.firstIndex()) {
        const confState = node.raw.confStateAt(index);
        node.storage.createSnapshot(index, confState, bytes(`snap@${index}`));
        node.storage.compact(index);
      }
    } else if (roll < 97) {
      const leader = net.leader();
      const changes: ConfChange[] = [
        { type: 'add-learner', nodeId: 'e' },
        { type: 'add-voter', nodeId: 'e' },
        { type: 'remove-node', nodeId: 'e' },
      ];
      if (leader) tolerate(() => net.raw(leader).proposeConfChange(pick(changes)));
      net.stabilize();
    } else {
      const leader = net.leader();
      if (leader) net.raw(leader).transferLeadership(pick(ids));
      net.stabilize();
    }
  }

  // Liveness once the network is repaired: a leader emerges and a command reaches every member.
  net.heal();
  for (const id of ids) if (net.node(id).crashed) net.restart(id);
  let current = net.tickUntilLeader(undefined, 1000);
  let proposed = false;
  for (let i = 0; i < 100 && !proposed; i++) {
    net.tick(1);
    current = net.leader() ?? current;
    tolerate(() => {
      net.propose(current, 'final');
      proposed = true;
    });
  }
  assert.ok(proposed, 'the final command was accepted');
  net.tick(60);
  current = net.leader() ?? current;
  const { voters, learners } = net.status(current).confState;
  for (const id of [...voters, ...learners]) {
    assert.ok(net.appliedPayloads(id).includes('final'), `${id} applied the final command`);
  }
  if (process.env.SAFETY_STATS) {
    console.log(options.seed, {
      terms: leaderOfTerm.size,
      applied: appliedAt.size,
      readsAnswered,
      readCount,
      conf: net.status(current).confState,
    });
  }
  // The run exercised something beyond the final command.
  assert.ok(appliedAt.size >= 3, `${appliedAt.size} entries applied, ${readsAnswered} reads`);
}

/** RAFT_SAFETY_SEEDS=n runs n seeds per variant instead of the default few (for soak runs). */
const EXTRA = Number(process.env.RAFT_SAFETY_SEEDS ?? 0);

describe('safety under an unreliable network', () => {
  for (let seed = 1; seed <= Math.max(12, EXTRA); seed++) {
    it(`election, state machine and read safety hold with crashes (seed ${seed})`, () => {
      run({ seed, steps: 400, crashes: true, leaseReads: false });
    });
  }
  for (let seed = 1; seed <= Math.max(8, EXTRA); seed++) {
    it(`lease reads stay linearizable without crashes (seed ${seed})`, () => {
      run({ seed, steps: 400, crashes: false, leaseReads: true });
    });
  }
  for (let seed = 1; seed <= Math.max(4, EXTRA); seed++) {
    it(`safety holds without pre-vote and check-quorum (seed ${seed})`, () => {
      run({
        seed,
        steps: 400,
        crashes: true,
        leaseReads: false,
        config: { preVote: false, checkQuorum: false },
      });
    });
  }
});
