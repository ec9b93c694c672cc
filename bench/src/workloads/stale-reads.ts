import { onCleanup } from '../cleanup-registry';
import { logProgress } from '../progress-log';
import { CpuBudget } from '../systems/cpu-budget';
import { Workload, WorkloadContext } from './workload-context';
import { JobShape, isMemberProcess, measureLoad } from './measure-load';

/**
 * The CPU each member is given in the equal-budget runs: a tenth of a core, so that three capped
 * members and the load generator fit in two cores together with room to spare, and the generator
 * (whose etcd client costs more per read than its HTTP client) is not the limit for either system.
 */
export const STALE_READ_MEMBER_CORES = 0.1;

/** Throughput of one follower alone, then of all members, with every member capped alike. */
async function measureUnderEqualBudgets(
  context: WorkloadContext,
  shape: Omit<JobShape, 'firstEndpoint'>,
  follower: number,
): Promise<{ figures: Record<string, number>; notes: string[] }> {
  await context.system.refreshMonitoring();
  const memberPids = Array.from({ length: context.system.memberCount }, (_, member) =>
    context.system.memberPids(member),
  );
  const budget = CpuBudget.apply(
    `bench-${context.system.name}`,
    memberPids,
    STALE_READ_MEMBER_CORES,
  );
  if (!(budget instanceof CpuBudget)) {
    return { figures: {}, notes: [`equal-budget runs not made: ${budget.unavailable}`] };
  }
  // Ctrl-C in the middle of a run must not leave the groups behind.
  const unregister = onCleanup('cpu budgets', () => Promise.resolve(budget.release()));
  try {
    // Half as long as the unconstrained runs: a throughput is all they give, and the full run has
    // to stay within its ten minutes.
    const budgetShape = { ...shape, durationMs: Math.round((shape.durationMs ?? 0) / 2) };
    const one = await measureLoad(context, {
      ...budgetShape,
      keyPrefix: `${shape.keyPrefix}-budget-one`,
      firstEndpoint: follower,
    });
    const spread = await measureLoad(context, {
      ...budgetShape,
      keyPrefix: `${shape.keyPrefix}-budget-spread`,
      firstEndpoint: 'spread',
    });
    const oneOps = one.measurement.throughputOpsPerS;
    const spreadOps = spread.measurement.throughputOpsPerS;
    logProgress(
      `  each member capped at ${STALE_READ_MEMBER_CORES} of a core: one follower ${oneOps} ops/s, all members ${spreadOps} ops/s`,
    );
    return {
      figures: {
        budgetOneMemberOpsPerS: oneOps,
        budgetAllMembersOpsPerS: spreadOps,
        budgetGrowthOverOneMember: oneOps > 0 ? Math.round((spreadOps / oneOps) * 100) / 100 : 0,
      },
      notes: [],
    };
  } finally {
    unregister();
    budget.release();
  }
}

/**
 * Reads served by the member asked, from its own state, without asking the leader: first by one
 * follower alone, then spread over every member, so that the result shows whether stale reads grow
 * with the number of members serving them (the target). The spread run is the workload's
 * measurement; the one-member run gives two figures beside it.
 */
export const staleReads: Workload = {
  title: 'Stale / local reads',
  description:
    'Closed-loop clients (64) read existing keys: FalconMind consistency=stale, etcd serializable get; first all on one follower, then spread over all members. The table shows the spread run; oneMemberOpsPerS is the throughput of the one-follower run, oneMemberServingCpuPct and oneMemberOthersCpuPct the CPU (% of a core) of the follower serving it and of the other members together, and growthOverOneMember the spread run’s throughput divided by the one-follower run’s. On one machine the members share its cores with each other and with the generator, so two more runs give each member the same CPU budget (a tenth of a core, by cgroup), as members on machines of their own would have: budgetOneMemberOpsPerS and budgetAllMembersOpsPerS, and budgetGrowthOverOneMember their quotient.',
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
    const budgeted = await measureUnderEqualBudgets(
      context,
      { ...shape, keyPrefix: `${context.keyPrefix}-stale` },
      follower,
    );
    return {
      ...measurement,
      notes: [...measurement.notes, ...budgeted.notes],
      figures: {
        ...measurement.figures,
        oneMemberOpsPerS,
        oneMemberServingCpuPct: Math.round(servingCpuPct),
        oneMemberOthersCpuPct: Math.round(othersCpuPct),
        growthOverOneMember:
          oneMemberOpsPerS > 0
            ? Math.round((measurement.throughputOpsPerS / oneMemberOpsPerS) * 100) / 100
            : 0,
        ...budgeted.figures,
      },
    };
  },
};
