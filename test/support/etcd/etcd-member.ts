import { ChildProcess, spawn } from 'node:child_process';

/** How one etcd process is started; the same spec restarts it on the same ports and data. */
export interface EtcdMemberSpec {
  /** `--name`, unique within the cluster. */
  readonly name: string;
  readonly binary: string;
  readonly dataDir: string;
  readonly clientPort: number;
  readonly peerPort: number;
  /** `--initial-cluster`: `name=peerUrl` of every member, comma-separated. */
  readonly initialCluster: string;
  readonly clusterToken: string;
  /** `--heartbeat-interval` in ms. */
  readonly heartbeatMs: number;
  /** `--election-timeout` in ms (etcd wants at least 5 × the heartbeat). */
  readonly electionMs: number;
}

/** How long a member may take to answer `/health` after being spawned. */
const READY_TIMEOUT_MS = 20_000;
/** How long SIGTERM gets before SIGKILL. */
const STOP_TIMEOUT_MS = 10_000;
/** Lines of etcd's output kept, quoted when it fails to start. */
const KEPT_LINES = 40;

/**
 * Every etcd process alive in this test process. Killed when the test process exits, so a failed or
 * interrupted test never leaves an etcd behind.
 */
const alive = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of alive) child.kill('SIGKILL');
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One etcd process that can be stopped, killed and started again with the same data and ports. */
export class EtcdMember {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly output: string[] = [];

  constructor(readonly spec: EtcdMemberSpec) {}

  get clientUrl(): string {
    return `http://127.0.0.1:${this.spec.clientPort}`;
  }

  get peerUrl(): string {
    return `http://127.0.0.1:${this.spec.peerPort}`;
  }

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /** The process id while running (tests that pause etcd with SIGSTOP need it). */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  /** Spawns etcd (no-op when running). Does not wait for it to be healthy: see `waitHealthy`. */
  spawn(): void {
    if (this.running) return;
    installExitHook();
    const { spec } = this;
    const args = [
      `--name=${spec.name}`,
      `--data-dir=${spec.dataDir}`,
      `--listen-client-urls=${this.clientUrl}`,
      `--advertise-client-urls=${this.clientUrl}`,
      `--listen-peer-urls=${this.peerUrl}`,
      `--initial-advertise-peer-urls=${this.peerUrl}`,
      `--initial-cluster=${spec.initialCluster}`,
      // Ignored by etcd once the data dir holds a member, so a restart reuses the same arguments.
      '--initial-cluster-state=new',
      `--initial-cluster-token=${spec.clusterToken}`,
      `--heartbeat-interval=${spec.heartbeatMs}`,
      `--election-timeout=${spec.electionMs}`,
      '--logger=zap',
      '--log-outputs=stderr',
      '--log-level=warn',
    ];
    const child = spawn(spec.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    alive.add(child);
    const keep = (chunk: Buffer) => {
      this.output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      this.output.splice(0, Math.max(0, this.output.length - KEPT_LINES));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        alive.delete(child);
        resolve();
      });
      child.once('error', (error) => {
        this.output.push(`spawn failed: ${error.message}`);
        alive.delete(child);
        resolve();
      });
    });
  }

  /** Resolves once `/health` says true (the member sees a leader); throws with etcd's output if not. */
  async waitHealthy(timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw this.failure('exited before it was healthy');
      if (await this.answersHealthy()) return;
      await delay(50);
    }
    throw this.failure(`not healthy after ${timeoutMs} ms`);
  }

  /** SIGTERM, then waits for the exit (SIGKILL if it takes too long). The data dir is kept. */
  async stop(): Promise<void> {
    if (!this.running) return this.exited;
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), STOP_TIMEOUT_MS);
    this.child?.kill('SIGTERM');
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILL: a crash. The data dir is kept. */
  async kill(): Promise<void> {
    if (!this.running) return this.exited;
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  private async answersHealthy(): Promise<boolean> {
    try {
      const response = await fetch(`${this.clientUrl}/health`, {
        signal: AbortSignal.timeout(1_000),
      });
      const body = (await response.json()) as { health?: unknown };
      return response.ok && body.health === 'true';
    } catch {
      return false;
    }
  }

  private failure(what: string): Error {
    const tail = this.output.slice(-KEPT_LINES).join('\n');
    return new Error(`etcd member ${this.spec.name} ${what}; its last output:\n${tail}`);
  }
}
