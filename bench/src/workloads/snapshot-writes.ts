import { summarizeLatencies } from '../latency-summary';
import { logProgress } from '../progress-log';
import { measureLoad, JobShape } from './measure-load';
import { Workload, WorkloadContext } from './workload-context';

/** Margin past the next snapshot point, so that snapshot is over before the baseline starts. */
const SNAPSHOT_MARGIN_ENTRIES = 200;
/** Unmeasured writes after the restart, as a share of a phase's (see the restart below). */
const WARM_UP_SHARE = 0.2;

function phase(context: WorkloadContext, name: string, writes: number, leader: number): JobShape {
  return {
    operation: 'write',
    clients: context.plan.snapshotClients,
    totalOps: writes,
    keyPrefix: `${context.keyPrefix}-snap-${name}`,
    firstEndpoint: leader,
    attemptTimeoutMs: 10_000,
    retryUntilAcknowledged: false,
  };
}

/**
 * The same write load twice: once with no snapshot due, once with every member restarted to
 * snapshot every few thousand entries (FalconMind SNAPSHOT_THRESHOLD, etcd --snapshot-count).
 */
export const snapshotWrites: Workload = {
  title: 'Writes during snapshots',
  description:
    'The same write load (16 clients, 5,000 writes; 1,000 quick) twice: without a snapshot due, then after restarting every member to snapshot every 1,000 entries (200 quick) and 1,000 unmeasured writes (200 quick) to warm them up again. Compares p99 and max latency.',
  async run(context) {
    const { system, plan } = context;
    const baselineWrites = plan.snapshotPhaseWrites;
    const notes: string[] = [];
    const untilSnapshot = await system.entriesUntilNextSnapshot();
    if (untilSnapshot !== undefined && untilSnapshot < baselineWrites + SNAPSHOT_MARGIN_ENTRIES) {
      logProgress(
        `  ${untilSnapshot} entries to the next snapshot: writing past it before the baseline`,
      );
      const writes = untilSnapshot + SNAPSHOT_MARGIN_ENTRIES;
      await measureLoad(context, phase(context, 'pre', writes, await system.leaderIndex()));
    }
    if (untilSnapshot === undefined)
      notes.push(
        'the baseline cannot prove that no snapshot was taken (the system does not report it)',
      );
    const before = await system.snapshotIndex();
    const baseline = await measureLoad(
      context,
      phase(context, 'without', baselineWrites, await system.leaderIndex()),
    );
    const afterBaseline = await system.snapshotIndex();
    if (before !== undefined && afterBaseline !== before)
      notes.push('a snapshot was taken during the baseline');

    await system.snapshotEvery(plan.snapshotEvery);
    // The restart leaves every member cold (FalconMind's code not yet optimised by the JIT, new
    // database connections): the baseline ran warm, so the measured phase does too.
    const warmUpWrites = Math.ceil(baselineWrites * WARM_UP_SHARE);
    logProgress(`  ${warmUpWrites} writes to warm the restarted members up (not measured)`);
    await measureLoad(context, phase(context, 'warm-up', warmUpWrites, await system.leaderIndex()));
    const startIndex = await system.snapshotIndex();
    const measured = await measureLoad(
      context,
      phase(context, 'with', baselineWrites, await system.leaderIndex()),
    );
    const endIndex = await system.snapshotIndex();
    const without = summarizeLatencies(baseline.raw.latenciesMs);
    const withSnapshots = measured.measurement.latency;
    const figures: Record<string, number> = {
      p99WithoutSnapshotMs: without.p99Ms,
      maxWithoutSnapshotMs: without.maxMs,
      p99WithSnapshotsMs: withSnapshots.p99Ms,
      maxWithSnapshotsMs: withSnapshots.maxMs,
      throughputWithoutSnapshotOpsPerS: baseline.measurement.throughputOpsPerS,
      snapshotEveryEntries: plan.snapshotEvery,
    };
    if (startIndex !== undefined && endIndex !== undefined) {
      figures.snapshotsAdvancedBy = endIndex - startIndex;
      if (endIndex === startIndex) notes.push('no snapshot was seen during the measured phase');
    }
    return { ...measured.measurement, figures, notes };
  },
};
