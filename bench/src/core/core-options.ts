import path from 'node:path';

export interface CoreOptions {
  readonly quick: boolean;
  /** Entries proposed per proposeBatch call, one measurement each. */
  readonly batchSizes: readonly number[];
  readonly durationMs: number;
  readonly payloadBytes: number;
  /** Entries applied between two log compactions (a node's SNAPSHOT_THRESHOLD). */
  readonly compactEvery: number;
  readonly outDir: string;
  readonly help: boolean;
}

export const CORE_USAGE = `Usage: npm run bench:core -- [options]

Measures the pure Raft core (libs/raft): three RawNodes wired in memory, no I/O,
no clock. For each batch size it proposes batches on the leader and runs every
node to quiescence, then reports committed entries per second and the JavaScript
heap allocated per entry.

Options:
  --quick            short runs (0.5 s per batch size instead of 5 s)
  --batch LIST       comma-separated entries per proposal batch (default 1,8,64,256)
  --duration-ms N    time per batch size (overrides --quick)
  --payload-bytes N  bytes of each entry's data (default 300)
  --compact-every N  entries applied between log compactions, like a node's
                     SNAPSHOT_THRESHOLD (default 10000)
  --out DIR          where the JSON results go (default bench/results)
  -h, --help         print this help

Allocation is measured with a young generation large enough that no garbage
collection runs during the measured window (the process restarts itself with
--expose-gc and a large --max-semi-space-size for that); if one does run anyway
the figure is marked as such.`;

export class CoreUsageError extends Error {}

function positiveInteger(flag: string, raw: string | undefined): number {
  if (raw === undefined || !/^\d+$/.test(raw) || Number(raw) < 1)
    throw new CoreUsageError(`${flag}: "${raw ?? ''}" is not a positive integer`);
  return Number(raw);
}

export function parseCoreOptions(argv: readonly string[], defaultOutDir: string): CoreOptions {
  let quick = false;
  let batchSizes: readonly number[] = [1, 8, 64, 256];
  let durationMs: number | undefined;
  let payloadBytes = 300;
  let compactEvery = 10_000;
  let outDir = defaultOutDir;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--quick':
        quick = true;
        break;
      case '--batch':
        batchSizes = (value() ?? '')
          .split(',')
          .map((part) => positiveInteger('--batch', part.trim()));
        break;
      case '--duration-ms':
        durationMs = positiveInteger('--duration-ms', value());
        break;
      case '--payload-bytes':
        payloadBytes = positiveInteger('--payload-bytes', value());
        break;
      case '--compact-every':
        compactEvery = positiveInteger('--compact-every', value());
        break;
      case '--out':
        outDir = path.resolve(value() ?? '.');
        break;
      case '-h':
      case '--help':
        help = true;
        break;
      default:
        throw new CoreUsageError(`unknown option "${argv[i]}"`);
    }
  }
  return {
    quick,
    batchSizes,
    durationMs: durationMs ?? (quick ? 500 : 5_000),
    payloadBytes,
    compactEvery,
    outDir,
    help,
  };
}
