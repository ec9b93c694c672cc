import path from 'node:path';

export const WORKLOAD_IDS = [
  'sequential-writes',
  'concurrent-writes',
  'linearizable-reads',
  'stale-reads',
  'failover',
  'catch-up',
  'snapshot',
  'telemetry-ingest',
  'telemetry-mqtt',
  'event-fanout',
] as const;
export type WorkloadId = (typeof WORKLOAD_IDS)[number];

/** Short names accepted by --only, each standing for one or more workloads. */
const ALIASES: Record<string, readonly WorkloadId[]> = {
  writes: ['sequential-writes', 'concurrent-writes'],
  reads: ['linearizable-reads', 'stale-reads'],
  sequential: ['sequential-writes'],
  concurrent: ['concurrent-writes'],
  linearizable: ['linearizable-reads'],
  stale: ['stale-reads'],
};

export interface BenchOptions {
  readonly quick: boolean;
  readonly etcd: boolean;
  readonly only: readonly WorkloadId[];
  readonly outDir: string;
  /** Writes made while a follower is down in the catch-up workload (default by mode). */
  readonly catchUpWrites: number | undefined;
  /** Run the nodes as `npm start` does (compiled in-process) rather than compiled beforehand. */
  readonly fromSource: boolean;
  readonly help: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]

Starts a three-node FalconMind cluster (real processes, one PostgreSQL database
each, synchronous_commit=on) and a three-member etcd cluster on 127.0.0.1, drives
the same workloads at both from a load generator process of its own, and prints
a table of throughput, latency, CPU and memory with the ratio FalconMind/etcd.

Options:
  --quick              about a minute: smaller counts and shorter durations
  --no-etcd            FalconMind only; ratios are shown as n/a
  --only LIST          comma-separated workloads (default: all), in run order:
                         ${WORKLOAD_IDS.join(', ')}
                       or the groups writes, reads
  --catch-up-writes N  writes made while a follower is down
                       (default 100000, 1000 with --quick)
  --out DIR            where the results go (default bench/results)
  --from-source        run the nodes as npm start does (TypeScript compiled in
                       each process); by default they are compiled first with
                       tsc into dist/bench-node and run as a deployment runs them
  -h, --help           print this help

Writes <out>/<UTC date>-<commit>.json and a Markdown table beside it (.md).
Needs Node 20, PostgreSQL on 127.0.0.1:5432 (trust auth; BENCH_DATABASE_URL
overrides the server URL) and etcd 3.4+ (/usr/bin/etcd or on PATH) unless
--no-etcd. BENCH_NODE_FLAGS passes flags to every FalconMind node process
(e.g. "--cpu-prof --cpu-prof-dir=/tmp/profiles"); BENCH_NODE_LOG_DIR keeps each
node's output there (<node id>.log), logged at LOG_LEVEL=info instead of warn.
RAFT_LOG_STORE=postgres runs the nodes with their Raft log in PostgreSQL instead
of the default log file, to compare the two.`;

export class UsageError extends Error {}

function parseWorkloads(list: string): WorkloadId[] {
  const chosen = new Set<WorkloadId>();
  for (const name of list
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const known = (WORKLOAD_IDS as readonly string[]).includes(name)
      ? [name as WorkloadId]
      : ALIASES[name];
    if (!known) throw new UsageError(`--only: unknown workload "${name}"`);
    for (const id of known) chosen.add(id);
  }
  if (chosen.size === 0) throw new UsageError('--only: no workload named');
  return WORKLOAD_IDS.filter((id) => chosen.has(id));
}

export function parseOptions(argv: readonly string[], defaultOutDir: string): BenchOptions {
  let quick = false;
  let etcd = true;
  let only: readonly WorkloadId[] = WORKLOAD_IDS;
  let outDir = defaultOutDir;
  let catchUpWrites: number | undefined;
  let fromSource = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = (): string => {
      const next = inline ?? argv[++i];
      if (next === undefined || next === '') throw new UsageError(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case '--quick':
        quick = true;
        break;
      case '--no-etcd':
        etcd = false;
        break;
      case '--from-source':
        fromSource = true;
        break;
      case '--only':
        only = parseWorkloads(value());
        break;
      case '--out':
        outDir = path.resolve(value());
        break;
      case '--catch-up-writes': {
        const raw = value();
        if (!/^\d+$/.test(raw) || Number(raw) < 1)
          throw new UsageError(`--catch-up-writes: "${raw}" is not a positive integer`);
        catchUpWrites = Number(raw);
        break;
      }
      case '-h':
      case '--help':
        help = true;
        break;
      default:
        throw new UsageError(`unknown option "${argv[i]}"`);
    }
  }
  return { quick, etcd, only, outDir, catchUpWrites, fromSource, help };
}
