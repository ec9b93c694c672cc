/**
 * `npm run chaos`: the command line of the chaos harness. Parses the options, runs one chaos run,
 * prints the final line and exits 0 (clean), 1 (a violation, or a check that could not decide) or
 * 2 (the harness itself failed). Ctrl-C stops the run and cleans up; a second Ctrl-C, or the
 * overall time limit, kills the nodes at once and exits.
 */
import { ChaosCluster } from './chaos-cluster';
import { parseChaosArgs, USAGE, UsageError } from './cli-options';
import { runChaos } from './chaos-run';
import { verdictOf } from './report';

/** Time allowed beyond --duration for boot, healing, settling, checking and cleanup. */
const OVERHEAD_LIMIT_MS = 15 * 60_000;

function log(line: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 23)} ${line}\n`);
}

async function main(): Promise<number> {
  let options;
  try {
    options = parseChaosArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`chaos: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  const abort = new AbortController();
  let cluster: ChaosCluster | undefined;
  const killEverything = (): void => cluster?.killAllNow();
  // Whatever way this process ends, no node it started outlives it.
  process.on('exit', killEverything);
  const onSignal = (signal: NodeJS.Signals): void => {
    if (abort.signal.aborted) {
      log(`chaos: ${signal} again: killing the nodes and exiting (databases may be left behind)`);
      killEverything();
      process.exit(130);
    }
    log(`chaos: ${signal}: stopping the run and cleaning up (again to force)`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const limitMs = options.durationS * 1000 + OVERHEAD_LIMIT_MS;
  const watchdog = setTimeout(() => {
    log(`chaos: the run exceeded ${Math.round(limitMs / 1000)} s: killing the nodes and exiting`);
    killEverything();
    process.exit(2);
  }, limitMs);
  watchdog.unref();

  const result = await runChaos(options, {
    signal: abort.signal,
    log,
    onCluster: (c) => {
      cluster = c;
    },
  });
  clearTimeout(watchdog);
  const { summary } = result;
  if (
    summary.linearizability.verdict === 'not-linearizable' &&
    'counterexample' in summary.linearizability
  ) {
    log(`chaos: not linearizable:\n${summary.linearizability.counterexample ?? ''}`);
  }
  for (const v of summary.durability?.lost ?? []) log(`chaos: lost: ${v.key ?? ''}: ${v.reason}`);
  for (const v of summary.durability?.duplicated ?? [])
    log(`chaos: duplicated: ${v.key ?? ''}: ${v.reason}`);
  for (const v of (summary.staleReads?.violations ?? []).slice(0, 20)) {
    log(`chaos: stale read: op ${v.op ?? '?'} ${v.key ?? ''}: ${v.reason}`);
  }
  for (const d of summary.convergence?.diverged ?? [])
    log(`chaos: diverged: ${d.nodeId}: ${d.differences.join('; ')}`);
  for (const c of summary.crashes) {
    log(
      `chaos: ${c.nodeId} crashed at ${c.at} (${c.signal ?? `exit code ${String(c.code)}`}): ${c.lastLines.slice(-3).join(' | ')}`,
    );
  }
  for (const e of summary.harnessErrors) log(`chaos: harness error: ${e}`);
  log(`chaos: results in ${options.outDir}`);
  process.stdout.write(`${result.line}\n`);
  if (abort.signal.aborted) return 130;
  if (result.clean) return 0;
  const v = verdictOf(summary);
  const violation =
    summary.linearizability.verdict !== 'linearizable' ||
    v.lost + v.duplicated + v.diverged + v.stale > 0;
  // A violation is the answer even when the run had trouble; trouble alone is the harness's.
  return violation ? 1 : 2;
}

// Exit explicitly: idle keep-alive sockets to the (now dead) nodes must not keep the process up.
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(2);
  },
);
