import { logProgress } from '../progress-log';
import { Workload } from './workload-context';
import { isMemberProcess, measureLoad } from './measure-load';

/**
 * Reads served by the member asked, from its own state, without asking the leader: first by one
 * follower alone, then spread over every member, so that the result shows whether stale reads grow
 * with the number of members serving them (the target). The spread run is the workload's
 * measurement; the one-member run gives two figures beside it.
 */
export const staleReads: Workload = {
  title: 'Stale / local reads',
  description:
    'Closed-loop clients (64) read existing keys: FalconMind consistency=stale, etcd serializable get; first all on one follower, then spread over all members. The table shows the spread run; oneMemberOpsPerS is the throughput of the one-follower run, oneMemberServingCpuPct and oneMemberOthersCpuPct the CPU (% of a core) of the follower serving it and of the other members together, and growthOverOneMember the spread run’s throughput divided by the one-follower run’s.',
  async run(context) {
    const follower = ((await context.system.leaderIndex()) + 1) % context.system.memberCount;
    const shape = {
      operation: 'read-stale',
      clients: context.plan.readClients,
      durationMs: context.plan.readDurationMs,
      readKeys: context.readKeys,
      attemptTimeoutMs: 10_000,
      retryUntilAcknowledged: false,
    } as const;
    const one = await measureLoad(context, {
      ...shape,
      keyPrefix: `${context.keyPrefix}-stale-one`,
      firstEndpoint: follower,
    });
    const oneMemberOpsPerS = one.measurement.throughputOpsPerS;
    // The members in member order (each system lists its processes so): the one serving, the rest.
    const members = one.measurement.processes.filter((usage) => isMemberProcess(usage.label));
    const servingCpuPct = members[follower]?.cpuPercent ?? 0;
    const othersCpuPct = members.reduce(
      (sum, usage, at) => (at === follower ? sum : sum + usage.cpuPercent),
      0,
    );
    logProgress(
      `  one follower (member ${follower + 1}) alone: ${oneMemberOpsPerS} ops/s; now spread over all members`,
    );
    const { measurement } = await measureLoad(context, {
      ...shape,
      keyPrefix: `${context.keyPrefix}-stale`,
      firstEndpoint: 'spread',
    });
    return {
      ...measurement,
      figures: {
        ...measurement.figures,
        oneMemberOpsPerS,
        oneMemberServingCpuPct: Math.round(servingCpuPct),
        oneMemberOthersCpuPct: Math.round(othersCpuPct),
        growthOverOneMember:
          oneMemberOpsPerS > 0
            ? Math.round((measurement.throughputOpsPerS / oneMemberOpsPerS) * 100) / 100
            : 0,
      },
    };
  },
};
