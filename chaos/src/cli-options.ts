/** The chaos harness's command line: parsing, validation and `--help`. */
import path from 'node:path';
import { FAULT_KINDS, FaultKind } from './nemesis-schedule';

export const PLANTABLE_BUGS = ['stale-read'] as const;
export type PlantableBug = (typeof PLANTABLE_BUGS)[number];

export interface ChaosOptions {
  readonly nodes: 3 | 5;
  readonly durationS: number;
  readonly clients: number;
  readonly seed: number;
  readonly bug: PlantableBug | undefined;
  readonly outDir: string;
  /** The fault kinds the nemesis may schedule (all by default). */
  readonly faults: readonly FaultKind[];
  /** Missions in play at once: fewer means more colliding operations. */
  readonly keys: number;
  readonly snapshotThreshold: number;
}

export const USAGE = `Usage: npm run chaos -- [OPTION...]

Starts a cluster of real node processes on 127.0.0.1 (each with its own PostgreSQL
database, every Raft link through a fault-injecting proxy), runs concurrent clients
against every node while a seeded nemesis injects faults, then heals the cluster and
checks the history: linearizability, lost and duplicated writes, stale reads, and that
every node holds the same tables at the same applied index.

Options:
  --nodes N              voters to start with: 3 or 5 (default 3); one more node is
                         kept aside for membership changes
  --duration S           seconds of workload and faults (default 60)
  --clients N            concurrent clients (default 10)
  --seed N               seed of the fault schedule and the workload (default: from the clock)
  --bug stale-read       plant a bug in every node (FALCONMIND_PLANTED_BUG): the checks
                         must then report a violation
  --out DIR              results folder (default chaos/results/<timestamp>/)
  --faults K,K,...       only these fault kinds (default: all): ${FAULT_KINDS.join(', ')}
  --keys N               missions in play at once (default 4)
  --snapshot-threshold N SNAPSHOT_THRESHOLD of the nodes, at least 10 (default 50)
  -h, --help             print this help

Needs PostgreSQL on 127.0.0.1:5432 accepting user postgres without a password
(CHAOS_DATABASE_URL overrides the server URL). Prints one final line:
  chaos: ops=... ok=... fail=... info=... faults=... linearizable=true lost=0 duplicated=0 diverged=0 stale=0
and exits 0 when every check passed, 1 on a violation or an undecided check, 2 on a
harness error (bad option, a cluster that would not start).`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function positiveInteger(name: string, value: string | undefined, max: number): number {
  if (value === undefined || !/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new UsageError(`${name} expects an integer in 1..${max}, got ${value ?? 'nothing'}`);
  }
  return Number(value);
}

function timestamp(now: Date): string {
  return now.toISOString().replace(/[:.]/g, '-');
}

/** Parses the arguments after the script name. Returns 'help' for -h/--help. */
export function parseChaosArgs(
  args: readonly string[],
  now: Date = new Date(),
): ChaosOptions | 'help' {
  let nodes: 3 | 5 = 3;
  let durationS = 60;
  let clients = 10;
  let seed = now.getTime() % 1_000_000;
  let bug: PlantableBug | undefined;
  let outDir: string | undefined;
  let faults: FaultKind[] = [...FAULT_KINDS];
  let keys = 4;
  let snapshotThreshold = 50;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s) : [arg];
    const value = (): string | undefined => (inline !== undefined ? inline : args[++i]);
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '--nodes': {
        const n = value();
        if (n !== '3' && n !== '5') throw new UsageError(`--nodes expects 3 or 5, got ${n}`);
        nodes = n === '3' ? 3 : 5;
        break;
      }
      case '--duration':
        durationS = positiveInteger('--duration', value(), 86_400);
        break;
      case '--clients':
        clients = positiveInteger('--clients', value(), 200);
        break;
      case '--seed': {
        const raw = value();
        if (raw === undefined || !/^\d{1,9}$/.test(raw)) {
          throw new UsageError(`--seed expects a non-negative integer, got ${raw ?? 'nothing'}`);
        }
        seed = Number(raw);
        break;
      }
      case '--bug': {
        const raw = value();
        const known = PLANTABLE_BUGS.find((b) => b === raw);
        if (!known) {
          throw new UsageError(`--bug expects one of ${PLANTABLE_BUGS.join(', ')}, got ${raw}`);
        }
        bug = known;
        break;
      }
      case '--out': {
        const raw = value();
        if (!raw) throw new UsageError('--out expects a directory');
        outDir = path.resolve(raw);
        break;
      }
      case '--faults': {
        const raw = value() ?? '';
        const asked = raw.split(',').filter((k) => k !== '');
        const unknown = asked.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));
        if (asked.length === 0 || unknown.length > 0) {
          throw new UsageError(
            `--faults expects a comma-separated list of ${FAULT_KINDS.join(', ')}; unknown: ${unknown.join(', ') || '(empty)'}`,
          );
        }
        faults = FAULT_KINDS.filter((k) => asked.includes(k));
        break;
      }
      case '--keys':
        keys = positiveInteger('--keys', value(), 100);
        break;
      case '--snapshot-threshold': {
        snapshotThreshold = positiveInteger('--snapshot-threshold', value(), 1_000_000);
        if (snapshotThreshold < 10)
          throw new UsageError('--snapshot-threshold must be at least 10');
        break;
      }
      default:
        throw new UsageError(`unknown option ${arg} (see --help)`);
    }
  }
  return {
    nodes,
    durationS,
    clients,
    seed,
    bug,
    outDir: outDir ?? path.resolve('chaos', 'results', timestamp(now)),
    faults,
    keys,
    snapshotThreshold,
  };
}
