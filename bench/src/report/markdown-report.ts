import { GENERATOR_LABEL, isMemberProcess, memberPeakRssMb } from '../workloads/measure-load';
import { SystemMeasurement } from '../workloads/workload-result';
import { BenchReport } from './bench-report';

/** Lines of a failed member's output quoted under a failure. */
const FAILURE_LINES_SHOWN = 12;

/** Which way a metric is better, so the ratio column can be read without thinking twice. */
type Better = 'higher' | 'lower' | 'none';

interface MetricRow {
  readonly name: string;
  readonly pick: (m: SystemMeasurement) => number | undefined;
  readonly better: Better;
}

type ProcessKind = 'member' | 'postgres' | 'generator';

function kindOf(label: string): ProcessKind {
  if (label === GENERATOR_LABEL) return 'generator';
  return isMemberProcess(label) ? 'member' : 'postgres';
}

function sumCpu(m: SystemMeasurement, kind: ProcessKind): number | undefined {
  const parts = m.processes.filter((p) => kindOf(p.label) === kind);
  return parts.length === 0
    ? undefined
    : Math.round(parts.reduce((sum, p) => sum + p.cpuPercent, 0));
}

const COMMON_ROWS: readonly MetricRow[] = [
  { name: 'throughput (ops/s)', pick: (m) => m.throughputOpsPerS, better: 'higher' },
  { name: 'p50 (ms)', pick: (m) => m.latency.p50Ms, better: 'lower' },
  { name: 'p99 (ms)', pick: (m) => m.latency.p99Ms, better: 'lower' },
  { name: 'p99.9 (ms)', pick: (m) => m.latency.p999Ms, better: 'lower' },
  { name: 'failed requests', pick: (m) => m.failed, better: 'none' },
  { name: 'CPU, members (% of a core, summed)', pick: (m) => sumCpu(m, 'member'), better: 'lower' },
  { name: 'CPU, PostgreSQL backends (%)', pick: (m) => sumCpu(m, 'postgres'), better: 'lower' },
  { name: 'CPU, load generator (%)', pick: (m) => sumCpu(m, 'generator'), better: 'none' },
  { name: 'peak RSS of a member (MB)', pick: (m) => memberPeakRssMb(m.processes), better: 'lower' },
];

/** Workload figures shown as rows, with the direction that is better. */
const FIGURE_DIRECTIONS: Record<string, Better> = {
  failoverMedianMs: 'lower',
  failoverMaxMs: 'lower',
  lostAcknowledgedWrites: 'lower',
  acknowledgedWrites: 'none',
  writesWhileDown: 'none',
  bulkWritesPerS: 'higher',
  catchUpMs: 'lower',
  restartToCaughtUpMs: 'lower',
  writeMaxLatencyDuringCatchUpMs: 'lower',
  peakRssMbAfterBulk: 'lower',
  p99WithoutSnapshotMs: 'lower',
  maxWithoutSnapshotMs: 'lower',
  p99WithSnapshotsMs: 'lower',
  maxWithSnapshotsMs: 'lower',
  throughputWithoutSnapshotOpsPerS: 'higher',
  snapshotsAdvancedBy: 'none',
  oneMemberOpsPerS: 'higher',
  oneMemberServingCpuPct: 'none',
  oneMemberOthersCpuPct: 'lower',
  growthOverOneMember: 'higher',
  budgetOneMemberOpsPerS: 'higher',
  budgetAllMembersOpsPerS: 'higher',
  budgetGrowthOverOneMember: 'higher',
};

function format(value: number | undefined): string {
  if (value === undefined) return '—';
  if (Number.isInteger(value)) return String(value);
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

function ratio(ours: number | undefined, etcd: number | undefined): string {
  if (ours === undefined || etcd === undefined || etcd === 0) return 'n/a';
  return `${(ours / etcd).toFixed(2)}×`;
}

function arrow(better: Better): string {
  return better === 'higher' ? ' ↑' : better === 'lower' ? ' ↓' : '';
}

/** The results as Markdown: one table of every workload, then the targets and any failures. */
export function renderMarkdown(report: BenchReport): string {
  const lines: string[] = [];
  const { run } = report;
  lines.push(
    `Run ${run.startedAt} (${run.mode}${run.etcd ? '' : ', FalconMind only'}), commit ${run.commit}, Node ${run.node}, ${run.cpus} CPUs, load average at start ${run.loadAverageAtStart.map((v) => v.toFixed(2)).join(' ')}.`,
    '',
    '↑ higher is better, ↓ lower is better; the ratio is FalconMind / etcd.',
    '',
    '| workload | metric | FalconMind | etcd | FalconMind/etcd |',
    '| --- | --- | ---: | ---: | ---: |',
  );
  for (const workload of report.workloads) {
    const ours = workload.systems.falconmind;
    const etcd = workload.systems.etcd;
    const figureNames = [
      ...new Set([...Object.keys(ours?.figures ?? {}), ...Object.keys(etcd?.figures ?? {})]),
    ];
    const rows: MetricRow[] = [
      ...COMMON_ROWS,
      ...figureNames.map((name) => ({
        name,
        pick: (m: SystemMeasurement) => m.figures[name],
        better: FIGURE_DIRECTIONS[name] ?? 'none',
      })),
    ];
    let first = true;
    for (const row of rows) {
      const a = ours ? row.pick(ours) : undefined;
      const b = etcd ? row.pick(etcd) : undefined;
      if (a === undefined && b === undefined) continue;
      lines.push(
        `| ${first ? workload.title : ''} | ${row.name}${arrow(row.better)} | ${format(a)} | ${format(b)} | ${ratio(a, b)} |`,
      );
      first = false;
    }
  }
  lines.push('', '| target of the issue | verdict | evidence |', '| --- | --- | --- |');
  for (const check of report.targets)
    lines.push(`| ${check.target} | ${check.verdict} | ${check.evidence} |`);
  const notes = report.workloads.flatMap((w) =>
    Object.entries(w.systems).flatMap(([system, m]) =>
      (m?.notes ?? []).map((note) => `- ${w.title}, ${system}: ${note}`),
    ),
  );
  if (notes.length > 0) lines.push('', 'Notes:', '', ...notes);
  if (report.failures.length > 0) {
    lines.push('', 'Not measured:', '');
    for (const failure of report.failures) {
      const [first, ...rest] = failure.error.split('\n');
      lines.push(`- ${failure.workload} on ${failure.system}: ${first}`);
      // The end of a node's output says why it failed: keep a few lines of it.
      const tail = rest.filter((line) => line.trim() !== '').slice(-FAILURE_LINES_SHOWN);
      if (tail.length > 0) lines.push('', '  ```text', ...tail.map((line) => `  ${line}`), '  ```');
    }
  }
  return `${lines.join('\n')}\n`;
}
