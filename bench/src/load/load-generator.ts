import { ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { onCleanup } from '../cleanup-registry';
import { FromGenerator, LoadJob, LoadResult, ToGenerator } from './load-protocol';

const REPOSITORY_ROOT = path.resolve(__dirname, '..', '..', '..');
const GENERATOR_ENTRY = path.join(__dirname, 'generator-main.ts');
const READY_TIMEOUT_MS = 30_000;

/** The orchestrator's handle on the load generator process (one job at a time). */
export class LoadGenerator {
  private constructor(
    private readonly child: ChildProcess,
    private readonly unregister: () => void,
  ) {}

  get pid(): number | undefined {
    return this.child.pid;
  }

  static async start(): Promise<LoadGenerator> {
    const child = fork(GENERATOR_ENTRY, [], {
      cwd: REPOSITORY_ROOT,
      execArgv: ['--require', '@swc-node/register'],
      env: { ...process.env, SWC_NODE_PROJECT: path.join(REPOSITORY_ROOT, 'tsconfig.json') },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const unregister = onCleanup('load generator', async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await Promise.resolve();
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('the load generator did not start')),
        READY_TIMEOUT_MS,
      );
      child.once('message', (message: FromGenerator) => {
        clearTimeout(timer);
        if (message.kind === 'ready') resolve();
        else reject(new Error(`the load generator said ${message.kind} instead of ready`));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the load generator exited with ${String(code)} before it was ready`));
      });
    });
    return new LoadGenerator(child, unregister);
  }

  /** Runs a job to its end (duration, count or `stop()`). */
  run(job: LoadJob): Promise<LoadResult> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: FromGenerator): void => {
        if (message.kind === 'ready') return;
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        if (message.kind === 'result') resolve(message.result);
        else reject(new Error(`the load generator failed: ${message.message}`));
      };
      const onExit = (code: number | null): void => {
        this.child.off('message', onMessage);
        reject(new Error(`the load generator exited with ${String(code)} during a job`));
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.send({ kind: 'run', job });
    });
  }

  /** Ends the running job early; its `run` promise then resolves with what was measured. */
  stop(): void {
    this.send({ kind: 'stop' });
  }

  close(): void {
    if (this.child.connected) this.send({ kind: 'exit' });
    this.unregister();
  }

  private send(message: ToGenerator): void {
    this.child.send(message);
  }
}
