/**
 * Summarises a `.cpuprofile` written by `node --cpu-prof` (for example by a FalconMind node run
 * under the benchmark with BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=DIR"): the functions and the
 * areas of the code (our libraries, packages, Node itself) that took the most CPU time.
 */
import { readFile } from 'node:fs/promises';
import { CpuProfile, ProfileShare, summarizeProfile } from './cpu-profile';

const USAGE = `Usage: node --require @swc-node/register bench/src/profile/main.ts [--top N] [--last-ms N] FILE.cpuprofile

Prints the busiest functions (self time) and areas of a V8 CPU profile as
Markdown tables. --top N sets how many rows (default 25). --last-ms N counts
only the samples of the last N ms before the profile ended (a node writes its
profile when it stops, right after the last workload): the workload without
the start-up.`;

/** Removes `--name N` from args; the positive integer N, undefined if absent, NaN if bad. */
function takeCount(args: string[], name: string): number | undefined {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = Number(args[at + 1]);
  args.splice(at, 2);
  return Number.isInteger(value) && value >= 1 ? value : Number.NaN;
}

function rows(title: string, shares: readonly ProfileShare[]): string {
  const lines = [`| ${title} | self ms | % of busy |`, '| --- | ---: | ---: |'];
  for (const share of shares)
    lines.push(`| \`${share.name}\` | ${share.selfMs} | ${share.percent} |`);
  return lines.join('\n');
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('-h') || args.includes('--help') || args.length === 0) {
    process.stdout.write(`${USAGE}\n`);
    return args.length === 0 ? 2 : 0;
  }
  const top = takeCount(args, '--top') ?? 25;
  const lastMs = takeCount(args, '--last-ms');
  for (const [name, value] of [
    ['--top', top],
    ['--last-ms', lastMs],
  ] as const) {
    if (value !== undefined && Number.isNaN(value)) {
      process.stderr.write(`${name} needs a positive integer\n\n${USAGE}\n`);
      return 2;
    }
  }
  const profile = JSON.parse(await readFile(args[0], 'utf8')) as CpuProfile;
  const summary = summarizeProfile(profile, top, lastMs);
  process.stdout.write(
    `${summary.sampledMs} ms sampled, ${summary.busyMs} ms busy (${Math.round((summary.busyMs / Math.max(1, summary.sampledMs)) * 100)} %)\n\n` +
      `${rows('area', summary.byArea)}\n\n${rows('function', summary.topFrames)}\n`,
  );
  return 0;
}

void main().then((code) => process.exit(code));
