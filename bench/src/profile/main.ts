/**
 * Summarises a `.cpuprofile` written by `node --cpu-prof` (for example by a FalconMind node run
 * under the benchmark with BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=DIR"): the functions and the
 * areas of the code (our libraries, packages, Node itself) that took the most CPU time.
 */
import { readFile } from 'node:fs/promises';
import { CpuProfile, ProfileShare, summarizeProfile } from './cpu-profile';

const USAGE = `Usage: node --require @swc-node/register bench/src/profile/main.ts [--top N] FILE.cpuprofile

Prints the busiest functions (self time) and areas of a V8 CPU profile as
Markdown tables. --top N sets how many rows (default 25).`;

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
  let top = 25;
  const topAt = args.indexOf('--top');
  if (topAt >= 0) {
    top = Number(args[topAt + 1]);
    args.splice(topAt, 2);
    if (!Number.isInteger(top) || top < 1) {
      process.stderr.write(`--top needs a positive integer\n\n${USAGE}\n`);
      return 2;
    }
  }
  const profile = JSON.parse(await readFile(args[0], 'utf8')) as CpuProfile;
  const summary = summarizeProfile(profile, top);
  process.stdout.write(
    `${summary.sampledMs} ms sampled, ${summary.busyMs} ms busy (${Math.round((summary.busyMs / Math.max(1, summary.sampledMs)) * 100)} %)\n\n` +
      `${rows('area', summary.byArea)}\n\n${rows('function', summary.topFrames)}\n`,
  );
  return 0;
}

void main().then((code) => process.exit(code));
