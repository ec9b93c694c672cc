import { WorkloadId } from '../cli-options';
import { memberPeakRssMb } from '../workloads/measure-load';
import { WorkloadResult, SystemMeasurement } from '../workloads/workload-result';

export type TargetVerdict = 'met' | 'missed' | 'n/a';

/** One target of the issue, checked against this run. */
export interface TargetCheck {
  readonly target: string;
  readonly verdict: TargetVerdict;
  readonly evidence: string;
}

type Lookup = (id: WorkloadId) => { ours?: SystemMeasurement; etcd?: SystemMeasurement };

const RSS_LIMIT_MB = 300;
const STALL_LIMIT_MS = 100;
const SEQUENTIAL_P99_LIMIT_MS = 25;

function verdict(ok: boolean | undefined): TargetVerdict {
  return ok === undefined ? 'n/a' : ok ? 'met' : 'missed';
}

function ratio(ours: number | undefined, etcd: number | undefined): number | undefined {
  return ours === undefined || etcd === undefined || etcd === 0 ? undefined : ours / etcd;
}

function fixed(value: number | undefined, digits = 2): string {
  return value === undefined ? 'n/a' : value.toFixed(digits);
}

/** The targets, each met, missed or not measurable in this run (n/a). */
export function checkTargets(workloads: readonly WorkloadResult[]): TargetCheck[] {
  const lookup: Lookup = (id) => {
    const found = workloads.find((w) => w.id === id);
    return { ours: found?.systems.falconmind, etcd: found?.systems.etcd };
  };
  const checks: TargetCheck[] = [];

  const conc = lookup('concurrent-writes');
  const throughputRatio = ratio(conc.ours?.throughputOpsPerS, conc.etcd?.throughputOpsPerS);
  const p99Ratio = ratio(conc.ours?.latency.p99Ms, conc.etcd?.latency.p99Ms);
  checks.push({
    target: 'concurrent writes: throughput >= 0.5x etcd, p99 <= 2x etcd',
    verdict: verdict(
      throughputRatio === undefined || p99Ratio === undefined
        ? undefined
        : throughputRatio >= 0.5 && p99Ratio <= 2,
    ),
    evidence: `throughput ${fixed(throughputRatio)}x, p99 ${fixed(p99Ratio)}x`,
  });

  const seq = lookup('sequential-writes');
  checks.push({
    target: `sequential write p99 < ${SEQUENTIAL_P99_LIMIT_MS} ms`,
    verdict: verdict(seq.ours ? seq.ours.latency.p99Ms < SEQUENTIAL_P99_LIMIT_MS : undefined),
    evidence: `p99 ${fixed(seq.ours?.latency.p99Ms, 1)} ms (etcd ${fixed(seq.etcd?.latency.p99Ms, 1)} ms)`,
  });

  const lin = lookup('linearizable-reads');
  const linRatio = ratio(lin.ours?.throughputOpsPerS, lin.etcd?.throughputOpsPerS);
  checks.push({
    target: 'linearizable reads >= 0.5x etcd',
    verdict: verdict(linRatio === undefined ? undefined : linRatio >= 0.5),
    evidence: `${fixed(linRatio)}x`,
  });

  const stale = lookup('stale-reads');
  const staleRatio = ratio(stale.ours?.throughputOpsPerS, stale.etcd?.throughputOpsPerS);
  checks.push({
    target: 'stale reads >= 1x etcd serializable',
    verdict: verdict(staleRatio === undefined ? undefined : staleRatio >= 1),
    evidence: `${fixed(staleRatio)}x`,
  });
  const staleFigures = stale.ours?.figures;
  const staleGrowth = staleFigures?.growthOverOneMember;
  checks.push({
    target: 'stale reads grow with the members serving them (all members > one follower)',
    verdict: verdict(staleGrowth === undefined ? undefined : staleGrowth > 1),
    evidence: `all members / one follower: ${fixed(staleGrowth)}x (etcd ${fixed(stale.etcd?.figures.growthOverOneMember)}x); while one follower served, it used ${staleFigures?.oneMemberServingCpuPct ?? 'n/a'} % of a core and the other members ${staleFigures?.oneMemberOthersCpuPct ?? 'n/a'} % together`,
  });

  const budgetGrowth = staleFigures?.budgetGrowthOverOneMember;
  checks.push({
    target:
      'stale reads grow with the members serving them, each member given the same CPU (a tenth of a core)',
    verdict: verdict(budgetGrowth === undefined ? undefined : budgetGrowth > 1),
    evidence: `all members / one follower: ${fixed(budgetGrowth)}x (etcd ${fixed(stale.etcd?.figures.budgetGrowthOverOneMember)}x); ${staleFigures?.budgetAllMembersOpsPerS ?? 'n/a'} vs ${staleFigures?.budgetOneMemberOpsPerS ?? 'n/a'} reads/s`,
  });

  const fail = lookup('failover');
  const oursMedian = fail.ours?.figures.failoverMedianMs;
  const etcdMedian = fail.etcd?.figures.failoverMedianMs;
  checks.push({
    target: 'failover median no worse than etcd (same election timeout)',
    verdict: verdict(
      oursMedian === undefined || etcdMedian === undefined ? undefined : oursMedian <= etcdMedian,
    ),
    evidence: `${oursMedian ?? 'n/a'} ms vs ${etcdMedian ?? 'n/a'} ms; lost acknowledged writes: ${fail.ours?.figures.lostAcknowledgedWrites ?? 'n/a'}`,
  });

  const snap = lookup('snapshot');
  const catchUp = lookup('catch-up');
  const snapMax = snap.ours?.figures.maxWithSnapshotsMs;
  const catchUpMax = catchUp.ours?.figures.writeMaxLatencyDuringCatchUpMs;
  checks.push({
    target: `no write stall > ${STALL_LIMIT_MS} ms during snapshot or catch-up`,
    verdict: verdict(
      snapMax === undefined && catchUpMax === undefined
        ? undefined
        : (snapMax ?? 0) <= STALL_LIMIT_MS && (catchUpMax ?? 0) <= STALL_LIMIT_MS,
    ),
    evidence: `max write latency: ${snapMax ?? 'n/a'} ms during snapshots, ${catchUpMax ?? 'n/a'} ms during catch-up`,
  });

  const writesHeld = catchUp.ours?.figures.writesWhileDown;
  const rss = Math.max(
    (catchUp.ours ? memberPeakRssMb(catchUp.ours.processes) : undefined) ?? 0,
    catchUp.ours?.figures.peakRssMbAfterBulk ?? 0,
  );
  const enough = writesHeld !== undefined && writesHeld >= 100_000;
  checks.push({
    target: `100,000 missions under ${RSS_LIMIT_MB} MB RSS per node`,
    verdict: enough ? verdict(rss < RSS_LIMIT_MB) : 'n/a',
    evidence: `peak node RSS ${rss || 'n/a'} MB with ${writesHeld ?? 0} missions written in the catch-up workload${enough ? '' : ' (fewer than 100,000: not a test of the target)'}`,
  });
  return checks;
}
