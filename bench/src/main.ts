/**
 * `npm run bench`: FalconMind against etcd on the same machine in the same run (see --help and
 * bench/README.md).
 */
import path from 'node:path';
import { installSignalCleanup, runCleanups, wasInterrupted } from './cleanup-registry';
import { parseOptions, USAGE, UsageError } from './cli-options';
import { logProgress } from './progress-log';
import { renderMarkdown } from './report/markdown-report';
import { runBench } from './run-bench';

const DEFAULT_OUT_DIR = path.resolve(__dirname, '..', 'results');

async function main(): Promise<number> {
  let options;
  try {
    options = parseOptions(process.argv.slice(2), DEFAULT_OUT_DIR);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  installSignalCleanup();
  try {
    const { report, files } = await runBench(options);
    process.stdout.write(`\n${renderMarkdown(report)}\n`);
    logProgress(
      `results: ${path.relative(process.cwd(), files.json)} and ${path.relative(process.cwd(), files.markdown)}`,
    );
    return report.failures.length === 0 ? 0 : 1;
  } catch (error) {
    // After Ctrl-C the signal handler says what happens; the interrupted run's error is no news.
    if (wasInterrupted()) return 130;
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  } finally {
    await runCleanups();
  }
}

void main().then((code) => process.exit(code));
