import { logProgress } from './progress-log';

type Cleanup = () => Promise<void>;

/**
 * What must be undone whatever happens: node processes, etcd members, databases, the load generator.
 * Cleanups run newest first, once, on a normal end, on an error and on Ctrl-C / SIGTERM.
 */
const cleanups: Array<{ label: string; run: Cleanup }> = [];
let running: Promise<void> | undefined;

/** Registers a cleanup; the returned function unregisters it (when the owner cleaned up itself). */
export function onCleanup(label: string, run: Cleanup): () => void {
  const entry = { label, run };
  cleanups.push(entry);
  return () => {
    const index = cleanups.indexOf(entry);
    if (index >= 0) cleanups.splice(index, 1);
  };
}

export function runCleanups(): Promise<void> {
  running ??= (async () => {
    while (cleanups.length > 0) {
      const entry = cleanups.pop();
      if (!entry) break;
      try {
        await entry.run();
      } catch (error) {
        process.stderr.write(`cleanup of ${entry.label} failed: ${String(error)}\n`);
      }
    }
  })();
  return running;
}

let interrupted = false;

/** True once Ctrl-C or SIGTERM arrived: the run must not start anything new. */
export function wasInterrupted(): boolean {
  return interrupted;
}

/** Ctrl-C and SIGTERM clean up and exit 130 / 143; a second signal exits at once. */
export function installSignalCleanup(): void {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.on(signal, () => {
      if (interrupted) process.exit(code);
      interrupted = true;
      logProgress(`${signal}: stopping every process this run started, then exiting`);
      void runCleanups().finally(() => process.exit(code));
    });
  }
}
