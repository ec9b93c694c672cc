/**
 * The nemesis's seeded schedule: which fault comes next, for how long, with what parameters. Pure:
 * the same seed and kinds give the same steps. Which node a step hits is decided when it runs (the
 * leader is only known then), from the step's own random draw, so a replay hits "the leader" or
 * "the second node of the current list" again.
 */
import { SeededRandom } from './seeded-random';

export const FAULT_KINDS = [
  'kill-leader',
  'kill-node',
  'pause-node',
  'partition-halves',
  'partition-leader',
  'partition-one-way',
  'partition-bridge',
  'latency',
  'packet-loss',
  'connection-reset',
  'membership',
  'leader-transfer',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * What the timeline records: the scheduled kinds, except that `membership` shows as the change made,
 * plus snapshots, which the nodes take by themselves (a low SNAPSHOT_THRESHOLD) and the harness
 * observes in their logs.
 */
export type TimelineKind =
  | Exclude<FaultKind, 'membership'>
  | 'membership-add'
  | 'membership-remove'
  | 'snapshot'
  /** A node that ended by itself (observed, not injected); the harness restarts it. */
  | 'node-crash';

/** Every kind a complete run shows in its timeline. */
export const EXPECTED_TIMELINE_KINDS: readonly TimelineKind[] = [
  'kill-leader',
  'kill-node',
  'pause-node',
  'partition-halves',
  'partition-leader',
  'partition-one-way',
  'partition-bridge',
  'latency',
  'packet-loss',
  'connection-reset',
  'membership-add',
  'membership-remove',
  'leader-transfer',
  'snapshot',
];

export interface NemesisStep {
  readonly kind: FaultKind;
  /** How long the fault lasts (a killed node stays down, a paused one stopped, a link cut). */
  readonly holdMs: number;
  /** Quiet time after healing, before the next step. */
  readonly gapMs: number;
  /** A draw in [0, 1) that picks the node(s) among the candidates when the step runs. */
  readonly pick: number;
  /** Hand leadership to another voter half-way through the fault. */
  readonly transferDuring: boolean;
  readonly latencyMs: number;
  readonly jitterMs: number;
  readonly lossRate: number;
}

/** Faults during which a leadership transfer is interesting (the cluster still has a leader). */
const TRANSFER_FRIENDLY: readonly FaultKind[] = [
  'latency',
  'packet-loss',
  'partition-one-way',
  'partition-bridge',
  'connection-reset',
];

export interface ScheduleTiming {
  /** Range of `holdMs`. Pauses always exceed the election timeout. */
  readonly holdMs: readonly [number, number];
  readonly gapMs: readonly [number, number];
  /** The nodes' maximum election timeout: a pause must outlast it. */
  readonly electionTimeoutMs: number;
}

export const DEFAULT_TIMING: ScheduleTiming = {
  holdMs: [2500, 4500],
  gapMs: [800, 1500],
  electionTimeoutMs: 1000,
};

export class NemesisSchedule {
  private readonly firstPass: FaultKind[];

  constructor(
    private readonly random: SeededRandom,
    private readonly kinds: readonly FaultKind[],
    private readonly timing: ScheduleTiming = DEFAULT_TIMING,
  ) {
    if (kinds.length === 0) throw new Error('the nemesis needs at least one fault kind');
    // Every kind once, early, in a seeded order (membership twice: an add and then a removal), so
    // that even a short run covers them all; random picks after that.
    const pass = random.shuffle(kinds);
    if (kinds.includes('membership')) pass.push('membership');
    this.firstPass = pass;
  }

  next(): NemesisStep {
    const kind = this.firstPass.shift() ?? this.random.pick(this.kinds);
    const [minHold, maxHold] = this.timing.holdMs;
    let holdMs = this.random.int(minHold, maxHold);
    if (kind === 'pause-node') holdMs = Math.max(holdMs, 1.5 * this.timing.electionTimeoutMs);
    return {
      kind,
      holdMs,
      gapMs: this.random.int(this.timing.gapMs[0], this.timing.gapMs[1]),
      pick: this.random.next(),
      transferDuring:
        kind === 'leader-transfer' ||
        (TRANSFER_FRIENDLY.includes(kind) && this.random.chance(0.35)),
      latencyMs: this.random.int(30, 250),
      jitterMs: this.random.int(5, 60),
      lossRate: [0.01, 0.03, 0.05, 0.1][this.random.int(0, 3)],
    };
  }
}
