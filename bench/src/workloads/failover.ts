import { epochMs, sleep } from '../clock';
import { median } from '../latency-summary';
import { AttemptRecord } from '../load/load-protocol';
import { logProgress } from '../progress-log';
import { startUsageMonitor, toMeasurement } from './measure-load';
import { Workload } from './workload-context';

/**
 * A failed attempt must give up quickly, as a client with a deadline would, so that it moves on to
 * another member instead of waiting on a dead leader; the same for both systems.
 */
const ATTEMPT_TIMEOUT_MS = 500;
const NEW_LEADER_TIMEOUT_MS = 30_000;
const CONVERGE_TIMEOUT_MS = 120_000;

/**
 * Time from the kill until writes succeed again: the end of the first successful attempt that
 * started after the kill (an attempt already in flight may have been committed before it).
 */
export function recoveryAfter(
  killedAt: number,
  attempts: readonly AttemptRecord[],
): number | undefined {
  let first: number | undefined;
  for (const [start, end, ok] of attempts)
    if (ok === 1 && start >= killedAt && (first === undefined || end < first)) first = end;
  return first === undefined ? undefined : first - killedAt;
}

/** kill -9 of the leader under a steady write load, several times, each followed by a restart. */
export const failover: Workload = {
  title: 'Failover (kill -9 of the leader)',
  description:
    'A steady write load retries each write on the next member until acknowledged; the leader is killed with SIGKILL and restarted, five times (once quick). Recovery is the time from the kill to the first successful write sent after it; every acknowledged write is then looked up on every member.',
  async run(context) {
    const { system, plan } = context;
    const monitor = await startUsageMonitor(context);
    const leader = await system.leaderIndex();
    const running = context.generator.run({
      operation: 'write',
      clients: plan.failoverClients,
      keyPrefix: `${context.keyPrefix}-failover`,
      firstEndpoint: leader,
      attemptTimeoutMs: ATTEMPT_TIMEOUT_MS,
      retryUntilAcknowledged: true,
      target: system.target(),
      uavIds: context.uavIds,
    });
    const kills: number[] = [];
    try {
      for (let round = 1; round <= plan.failoverRounds; round++) {
        await sleep(plan.failoverWarmupMs);
        const victim = await system.leaderIndex();
        kills.push(epochMs());
        await system.killMember(victim);
        const successor = await system.leaderIndex(NEW_LEADER_TIMEOUT_MS);
        logProgress(
          `  round ${round}/${plan.failoverRounds}: killed member ${victim + 1}, member ${successor + 1} leads after ${Math.round(epochMs() - kills[kills.length - 1])} ms; restarting the killed one`,
        );
        await system.startMember(victim);
        await system.awaitConverged(CONVERGE_TIMEOUT_MS);
      }
      await sleep(plan.failoverWarmupMs);
    } finally {
      context.generator.stop();
    }
    const raw = await running;
    const processes = monitor.stop();
    const recoveries = kills.map((killedAt) => recoveryAfter(killedAt, raw.attempts));
    const measured = recoveries.filter((value): value is number => value !== undefined);
    await system.awaitConverged(CONVERGE_TIMEOUT_MS);
    const lost = await system.countMissingKeys(raw.acknowledgedKeys);
    const notes = [
      `recoveries (ms): ${recoveries.map((value) => (value === undefined ? 'none' : Math.round(value))).join(', ')}`,
    ];
    if (measured.length < kills.length)
      notes.push('some kills were never followed by a successful write');
    return toMeasurement(
      raw,
      processes,
      {
        failoverMedianMs: Math.round(median(measured)),
        failoverMaxMs: Math.round(Math.max(0, ...measured)),
        kills: kills.length,
        acknowledgedWrites: raw.acknowledgedKeys.length,
        lostAcknowledgedWrites: lost,
      },
      notes,
    );
  },
};
