/**
 * `npm run bench:core`: the pure Raft core's throughput and allocation per entry (see --help).
 */
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { missionDocument } from '../load/mission-document';
import { currentCommit } from '../report/results-file';
import { CORE_USAGE, CoreUsageError, parseCoreOptions } from './core-options';
import { CoreMeasurement, measureBatchSize } from './core-measurements';

const DEFAULT_OUT_DIR = path.resolve(__dirname, '..', '..', 'results');
/** Set in the re-started process, so it does not restart itself again. */
const CHILD_MARK = 'FALCONMIND_BENCH_CORE_CHILD';
/** A young generation this large holds the allocation window without a scavenge. */
const SEMI_SPACE_MB = 512;

/** Runs this script again with the V8 flags the allocation measurement needs; returns its exit code. */
function restartWithFlags(): number {
  const result = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      `--max-semi-space-size=${SEMI_SPACE_MB}`,
      `--min-semi-space-size=${SEMI_SPACE_MB}`,
      '--require',
      '@swc-node/register',
      __filename,
      ...process.argv.slice(2),
    ],
    { stdio: 'inherit', env: { ...process.env, [CHILD_MARK]: '1' } },
  );
  return result.status ?? 1;
}

function table(results: readonly CoreMeasurement[]): string {
  const lines = [
    '| entries per batch | committed entries/s | heap allocated per entry (B) | retained per entry (B) |',
    '| ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    const allocation = `${r.allocatedBytesPerEntry}${r.allocationExact ? '' : ' (a GC ran: undercount)'}`;
    lines.push(
      `| ${r.batchSize} | ${r.entriesPerSecond} | ${allocation} | ${r.retainedBytesPerEntry} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<number> {
  let options;
  try {
    options = parseCoreOptions(process.argv.slice(2), DEFAULT_OUT_DIR);
  } catch (error) {
    if (!(error instanceof CoreUsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${CORE_USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${CORE_USAGE}\n`);
    return 0;
  }
  if (process.env[CHILD_MARK] === undefined) return restartWithFlags();

  const payload = new TextEncoder().encode(missionDocument('core-bench-mission', 'uav-0'));
  const payloadBytes = options.payloadBytes;
  const data =
    payloadBytes === payload.byteLength ? payload : new Uint8Array(payloadBytes).fill(120);
  const results: CoreMeasurement[] = [];
  for (const batchSize of options.batchSizes) {
    process.stderr.write(`batch ${batchSize}: measuring for ${options.durationMs} ms\n`);
    results.push(await measureBatchSize(batchSize, options.durationMs, data, options.compactEvery));
  }
  const startedAt = new Date().toISOString();
  const commit = currentCommit();
  const report = {
    run: {
      startedAt,
      commit,
      node: process.version,
      cpus: os.cpus().length,
      payloadBytes,
      durationMs: options.durationMs,
      compactEvery: options.compactEvery,
    },
    results,
  };
  await mkdir(options.outDir, { recursive: true });
  const file = path.join(
    options.outDir,
    `core-${startedAt.replace(/[:]/g, '').replace(/\.\d+Z$/, 'Z')}-${commit}.json`,
  );
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${table(results)}\n`);
  process.stderr.write(`results: ${path.relative(process.cwd(), file)}\n`);
  return 0;
}

void main().then((code) => process.exit(code));
