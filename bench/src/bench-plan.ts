import { BenchOptions } from './cli-options';

/** The sizes of one run: the full run of the issue, or the quick one for development and CI. */
export interface BenchPlan {
  readonly uavPool: number;
  readonly sequentialWrites: number;
  readonly concurrentClients: number;
  readonly concurrentDurationMs: number;
  readonly readClients: number;
  readonly readDurationMs: number;
  /** Missions written before the read workloads, read back at random. */
  readonly readKeyCount: number;
  readonly failoverRounds: number;
  readonly failoverClients: number;
  /** Steady load before each kill, so the kill lands in the middle of a running load. */
  readonly failoverWarmupMs: number;
  readonly catchUpWrites: number;
  readonly catchUpClients: number;
  /** The light load kept running while the follower catches up, to see whether writes stall. */
  readonly catchUpProbeClients: number;
  readonly snapshotEvery: number;
  readonly snapshotPhaseWrites: number;
  readonly snapshotClients: number;
  /** Event fan-out: SSE subscribers spread over the members, and writes whose events they receive. */
  readonly eventSubscribers: number;
  readonly eventWrites: number;
  /** Telemetry ingest: how long, and how many closed-loop HTTP clients post batches. */
  readonly telemetryDurationMs: number;
  readonly telemetryClients: number;
}

const FULL: BenchPlan = {
  uavPool: 32,
  sequentialWrites: 500,
  concurrentClients: 64,
  concurrentDurationMs: 20_000,
  readClients: 64,
  readDurationMs: 10_000,
  readKeyCount: 1_000,
  failoverRounds: 5,
  failoverClients: 8,
  failoverWarmupMs: 2_000,
  catchUpWrites: 100_000,
  catchUpClients: 64,
  catchUpProbeClients: 2,
  snapshotEvery: 1_000,
  snapshotPhaseWrites: 5_000,
  snapshotClients: 16,
  eventSubscribers: 1_000,
  eventWrites: 200,
  telemetryDurationMs: 15_000,
  telemetryClients: 6,
};

const QUICK: BenchPlan = {
  uavPool: 8,
  sequentialWrites: 100,
  concurrentClients: 64,
  concurrentDurationMs: 4_000,
  readClients: 64,
  readDurationMs: 3_000,
  readKeyCount: 200,
  failoverRounds: 1,
  failoverClients: 4,
  failoverWarmupMs: 1_000,
  catchUpWrites: 1_000,
  catchUpClients: 32,
  catchUpProbeClients: 2,
  snapshotEvery: 200,
  snapshotPhaseWrites: 1_000,
  snapshotClients: 16,
  eventSubscribers: 200,
  eventWrites: 30,
  telemetryDurationMs: 4_000,
  telemetryClients: 6,
};

export function planFor(options: BenchOptions): BenchPlan {
  const base = options.quick ? QUICK : FULL;
  return { ...base, catchUpWrites: options.catchUpWrites ?? base.catchUpWrites };
}
