/**
 * Smoke test of `npm run bench -- --quick --no-etcd`, as CI runs it: the benchmark must start a
 * real cluster, run every workload and write its results. No timing is asserted: the machine that
 * runs the specs is busy with other specs.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { WORKLOAD_IDS } from './src/cli-options';
import { BenchReport } from './src/report/bench-report';

const REPOSITORY_ROOT = path.resolve(__dirname, '..');
/**
 * A quick run takes about a minute and a half on an idle two-core machine, plus the compilation of
 * the node (tsc, 20-60 s) that comes first.
 */
const SMOKE_TIMEOUT_MS = 360_000;

function runBench(outDir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--require',
        '@swc-node/register',
        'bench/src/main.ts',
        '--quick',
        '--no-etcd',
        '--out',
        outDir,
      ],
      { cwd: REPOSITORY_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const keep = (chunk: Buffer): void => {
      output += chunk.toString();
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
    // The test's own timeout must not leave a benchmark (and its cluster) running: SIGTERM cleans up.
    const timer = setTimeout(() => child.kill('SIGTERM'), SMOKE_TIMEOUT_MS - 20_000);
    child.once('exit', () => clearTimeout(timer));
  });
}

describe('npm run bench -- --quick --no-etcd', () => {
  it(
    'exits 0 and writes a result with every workload measured',
    { timeout: SMOKE_TIMEOUT_MS },
    async () => {
      const outDir = await mkdtemp(path.join(tmpdir(), 'falconmind-bench-smoke-'));
      try {
        const { code, output } = await runBench(outDir);
        assert.equal(code, 0, `the benchmark exited with ${String(code)}:\n${output.slice(-4000)}`);
        const files = (await readdir(outDir)).filter((name) => name.endsWith('.json'));
        assert.equal(files.length, 1, `expected one results JSON, found ${files.join(', ')}`);
        assert.ok(
          (await readdir(outDir)).some((name) => name.endsWith('.md')),
          'the Markdown table is missing',
        );
        const report = JSON.parse(
          await readFile(path.join(outDir, files[0]), 'utf8'),
        ) as BenchReport;
        assert.deepEqual(
          report.workloads.map((workload) => workload.id),
          [...WORKLOAD_IDS],
        );
        for (const workload of report.workloads) {
          const measured = workload.systems.falconmind;
          assert.ok(measured, `${workload.id} has no FalconMind measurement`);
          assert.ok(measured.throughputOpsPerS > 0, `${workload.id} measured no throughput`);
          assert.equal(
            workload.systems.etcd,
            undefined,
            `${workload.id} measured etcd under --no-etcd`,
          );
        }
        const stale = report.workloads.find((workload) => workload.id === 'stale-reads');
        assert.ok(
          (stale?.systems.falconmind?.figures.oneMemberOpsPerS ?? 0) > 0,
          'stale reads were not measured on one member alone',
        );
        const staleFigures = stale?.systems.falconmind?.figures ?? {};
        const budgetSkipped = (stale?.systems.falconmind?.notes ?? []).some((note) =>
          note.startsWith('equal-budget runs not made'),
        );
        assert.ok(
          budgetSkipped ||
            ((staleFigures.budgetOneMemberOpsPerS ?? 0) > 0 &&
              (staleFigures.budgetAllMembersOpsPerS ?? 0) > 0),
          'the equal-budget stale reads were neither measured nor explained in a note',
        );
        assert.deepEqual(report.failures, []);
      } finally {
        await rm(outDir, { recursive: true, force: true });
      }
    },
  );
});
