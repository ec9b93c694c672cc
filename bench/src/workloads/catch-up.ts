import { epochMs, sleep } from '../clock';
import { logProgress } from '../progress-log';
import { measureLoad, memberPeakRssMb, startUsageMonitor, toMeasurement } from './measure-load';
import { Workload } from './workload-context';

const CATCH_UP_TIMEOUT_MS = 300_000;
const POLL_MS = 50;
const PROGRESS_EVERY_MS = 10_000;

/**
 * A follower is killed, N writes are made without it, then it is restarted: how long until it has
 * applied everything, and whether the writes of a light load running meanwhile stall.
 */
export const catchUp: Workload = {
  title: 'Follower catch-up',
  description:
    "A follower is killed, N writes (100,000; 1,000 quick) are made by 64 clients to the leader, then the follower is restarted while 2 clients keep writing. Catch-up time runs from the moment the restarted member answers to the moment it has applied the commit index the leader had at the restart; the 2 clients' max latency shows whether writes stalled meanwhile.",
  async run(context) {
    const { system, plan } = context;
    const leader = await system.leaderIndex();
    const follower = (leader + 1) % system.memberCount;
    await system.killMember(follower);
    logProgress(`  member ${follower + 1} killed; writing ${plan.catchUpWrites} without it`);
    const bulk = await measureLoad(context, {
      operation: 'write',
      clients: plan.catchUpClients,
      totalOps: plan.catchUpWrites,
      keyPrefix: `${context.keyPrefix}-bulk`,
      firstEndpoint: leader,
      attemptTimeoutMs: 10_000,
      retryUntilAcknowledged: false,
    });
    logProgress(
      `  wrote ${bulk.raw.succeeded} (${bulk.measurement.throughputOpsPerS} /s, ${bulk.raw.failed} failed); restarting member ${follower + 1}`,
    );
    const target = await system.leaderCommitIndex();

    const monitor = await startUsageMonitor(context);
    const probe = context.generator.run({
      operation: 'write',
      clients: plan.catchUpProbeClients,
      keyPrefix: `${context.keyPrefix}-probe`,
      firstEndpoint: leader,
      attemptTimeoutMs: 10_000,
      retryUntilAcknowledged: false,
      target: system.target(),
      uavIds: context.uavIds,
    });
    let caughtUpAt: number | undefined;
    const restartedAt = epochMs();
    let liveAt: number | undefined;
    try {
      await system.startMember(follower);
      const answeredAt = epochMs();
      liveAt = answeredAt;
      let lastReport = answeredAt;
      while (epochMs() - answeredAt < CATCH_UP_TIMEOUT_MS) {
        const { applied } = await system.memberProgress(follower);
        if (applied !== undefined && applied >= target) {
          caughtUpAt = epochMs();
          break;
        }
        if (epochMs() - lastReport > PROGRESS_EVERY_MS) {
          lastReport = epochMs();
          logProgress(`  member ${follower + 1} applied ${applied ?? '?'} of ${target}`);
        }
        await sleep(POLL_MS);
      }
      // Keep the probe running a moment past the catch-up, so a stall at its very end is seen.
      await sleep(500);
    } finally {
      context.generator.stop();
    }
    const raw = await probe;
    const processes = monitor.stop();
    await system.refreshMonitoring();
    const notes =
      caughtUpAt === undefined
        ? [`the follower had not caught up after ${CATCH_UP_TIMEOUT_MS} ms`]
        : [];
    return toMeasurement(
      raw,
      processes,
      {
        writesWhileDown: bulk.raw.succeeded,
        bulkWritesPerS: bulk.measurement.throughputOpsPerS,
        catchUpMs:
          caughtUpAt === undefined || liveAt === undefined ? -1 : Math.round(caughtUpAt - liveAt),
        restartToCaughtUpMs: caughtUpAt === undefined ? -1 : Math.round(caughtUpAt - restartedAt),
        writeMaxLatencyDuringCatchUpMs: Math.round(
          raw.latenciesMs.reduce((max, value) => Math.max(max, value), 0),
        ),
        peakRssMbAfterBulk: memberPeakRssMb(bulk.measurement.processes) ?? 0,
      },
      notes,
    );
  },
};
