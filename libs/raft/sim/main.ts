/**
 * The Raft simulator's command line: runs many seeded fault schedules against clusters of pure Raft
 * cores and checks the safety invariants after every step and recovery after the faults heal.
 */
import { isPlantedBug, PLANTED_BUG_NAMES } from '../testing/planted-bugs';
import { runSimulation, SimulationResult } from './simulation';

const USAGE = `Usage: npm run sim -- [options]

Runs the deterministic Raft simulator: clusters of 3 and 5 in-memory Raft cores (and membership
changes between them) under seeded faults (crashes, pauses, partitions, loss, duplication,
reordering, slow disks, compactions, leadership transfers), checking safety after every step and
recovery once the faults heal. Prints one summary line; exits 1 on any violation or liveness failure.

Options:
  --seeds N        how many seeds to run, from --first-seed on (default 1000)
  --first-seed N   the first seed (default 1)
  --seed N         run exactly this seed (same as --first-seed N --seeds 1)
  --nodes 3|5      only scenarios starting with this many voters
  --ticks N        ticks of faults before healing (default 300)
  --bug NAME       plant a bug in every core, to show the checkers catch it:
                   ${PLANTED_BUG_NAMES.join(', ')}
  --stop-on-first  stop at the first failing seed
  --trace          print every event of each seed (use with --seed)
  --quiet          print only the summary line
  -h, --help       print this help

Environment: SIM_FAULT_RATE=0..1 fixes the chance of a fault per tick (by default each seed picks
0.04, 0.08 or 0.15).

A failing seed prints the command that replays it with a trace.`;

interface CliOptions {
  firstSeed: number;
  seeds: number;
  nodes?: 3 | 5;
  ticks: number;
  bug?: (typeof PLANTED_BUG_NAMES)[number];
  stopOnFirst: boolean;
  trace: boolean;
  quiet: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): CliOptions | 'help' {
  const options: CliOptions = {
    firstSeed: 1,
    seeds: 1000,
    ticks: 300,
    stopOnFirst: false,
    trace: false,
    quiet: false,
  };
  const integer = (flag: string, value: string | undefined, min: number): number => {
    const parsed = Number(value);
    if (value === undefined || !Number.isInteger(parsed) || parsed < min) {
      throw new UsageError(`${flag} needs an integer ≥ ${min}, got ${value ?? 'nothing'}`);
    }
    return parsed;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '--seeds':
        options.seeds = integer(flag, argv[++i], 1);
        break;
      case '--first-seed':
        options.firstSeed = integer(flag, argv[++i], 0);
        break;
      case '--seed':
        options.firstSeed = integer(flag, argv[++i], 0);
        options.seeds = 1;
        break;
      case '--nodes': {
        const nodes = integer(flag, argv[++i], 3);
        if (nodes !== 3 && nodes !== 5) throw new UsageError(`--nodes takes 3 or 5, got ${nodes}`);
        options.nodes = nodes;
        break;
      }
      case '--ticks':
        options.ticks = integer(flag, argv[++i], 1);
        break;
      case '--bug': {
        const name = argv[++i] ?? '';
        if (!isPlantedBug(name)) {
          throw new UsageError(`--bug takes one of ${PLANTED_BUG_NAMES.join(', ')}; got "${name}"`);
        }
        options.bug = name;
        break;
      }
      case '--stop-on-first':
        options.stopOnFirst = true;
        break;
      case '--trace':
        options.trace = true;
        break;
      case '--quiet':
        options.quiet = true;
        break;
      default:
        throw new UsageError(`unknown option ${flag}`);
    }
  }
  return options;
}

function replayCommand(options: CliOptions, seed: number): string {
  const parts = ['npm run sim --', `--seed ${seed}`, `--ticks ${options.ticks}`];
  if (options.nodes) parts.push(`--nodes ${options.nodes}`);
  if (options.bug) parts.push(`--bug ${options.bug}`);
  return `${parts.join(' ')} --trace`;
}

function main(argv: readonly string[]): number {
  let options: CliOptions | 'help';
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`sim: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const started = process.hrtime.bigint();
  let steps = 0;
  let faults = 0;
  let violations = 0;
  let livenessFailures = 0;
  let failedSeeds = 0;
  let ran = 0;
  const progressEvery = Math.max(1, Math.floor(options.seeds / 10));
  for (let seed = options.firstSeed; seed < options.firstSeed + options.seeds; seed++) {
    const trace = options.trace ? (line: string) => process.stdout.write(`${line}\n`) : undefined;
    const result: SimulationResult = runSimulation({
      seed,
      bug: options.bug,
      nodes: options.nodes,
      faultTicks: options.ticks,
      trace,
    });
    ran++;
    steps += result.steps;
    faults += result.faults;
    violations += result.violations.length;
    if (result.livenessFailure) livenessFailures++;
    const failed = result.violations.length > 0 || result.livenessFailure !== undefined;
    if (failed) {
      failedSeeds++;
      const reason = result.violations[0] ?? `liveness: ${result.livenessFailure ?? ''}`;
      process.stdout.write(`sim: seed ${seed} (${result.scenario}) FAILED: ${reason}\n`);
      process.stdout.write(`sim:   replay: ${replayCommand(options, seed)}\n`);
      if (options.stopOnFirst) break;
    } else if (!options.quiet && ran % progressEvery === 0) {
      process.stdout.write(`sim: ${ran}/${options.seeds} seeds, ${failedSeeds} failed so far\n`);
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(
    `sim: seeds=${ran} schedules=${ran} steps=${steps} faults=${faults} violations=${violations} ` +
      `liveness_failures=${livenessFailures}${options.bug ? ` bug=${options.bug}` : ''} time=${seconds.toFixed(1)}s\n`,
  );
  return violations > 0 || livenessFailures > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
