import { ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { nodeOptionsWithHeapLimit } from '@falconmind/config';
import { sleep } from '../clock';
import { benchMqttEnv } from './bench-mqtt';
import { NodeEntry } from './node-entry';

const REPOSITORY_ROOT = path.resolve(__dirname, '..', '..', '..');
const KEPT_LINES = 60;
const LIVE_TIMEOUT_MS = 60_000;
const GRACEFUL_STOP_MS = 15_000;

export interface FalconMindNodeSpec {
  readonly nodeId: string;
  readonly httpPort: number;
  readonly databaseUrl: string;
  readonly dataDir: string;
  /** The members started before this one (a fresh node joins through them). */
  readonly peers: ReadonlyArray<{ node_id: string; address: string; port: number }>;
  /** Compiled, or from source. */
  readonly entry: NodeEntry;
}

/** One cluster-node process of ours, started, killed and restarted on the same database. */
export class FalconMindNode {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly output: string[] = [];
  /** Set while the benchmark itself kills or stops the process: any other exit is a crash. */
  private stopping = false;
  /** Exits the benchmark did not cause, each with the node's last output, until taken. */
  private crashes: string[] = [];
  /** Variables of the next start on top of the defaults (SNAPSHOT_THRESHOLD for the snapshot workload). */
  extraEnv: Record<string, string> = {};

  constructor(readonly spec: FalconMindNodeSpec) {}

  get url(): string {
    return `http://127.0.0.1:${this.spec.httpPort}`;
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /** The last lines the node printed, for failure messages. */
  tail(): string {
    return this.output.join('\n');
  }

  start(): void {
    if (this.running) return;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      SWC_NODE_PROJECT: path.join(REPOSITORY_ROOT, 'tsconfig.json'),
      // The limit a deployment runs with; a --max-old-space-size in BENCH_NODE_FLAGS overrides it.
      NODE_OPTIONS: nodeOptionsWithHeapLimit(undefined),
      NODE_ID: this.spec.nodeId,
      NODE_ADDRESS: '127.0.0.1',
      NODE_PORT: String(this.spec.httpPort),
      DATABASE_URL: this.spec.databaseUrl,
      DATA_DIR: this.spec.dataDir,
      // etcd runs at --log-level=warn too: neither system pays for info logging in the measurement,
      // unless the run keeps the nodes' logs (BENCH_NODE_LOG_DIR) to see where time goes.
      LOG_LEVEL: nodeLogDir() === undefined ? 'warn' : 'info',
      ...benchMqttEnv(),
      // To compare the log stores: RAFT_LOG_STORE=postgres npm run bench (default: the node's own).
      ...(process.env.RAFT_LOG_STORE ? { RAFT_LOG_STORE: process.env.RAFT_LOG_STORE } : {}),
      ...(this.spec.peers.length > 0 ? { PEER_NODES: JSON.stringify(this.spec.peers) } : {}),
      ...this.extraEnv,
    };
    const child = spawn(process.execPath, [...nodeFlags(), ...this.spec.entry.args], {
      cwd: REPOSITORY_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const logFile = this.logFile();
    const keep = (chunk: Buffer): void => {
      if (logFile !== undefined) appendFileSync(logFile, chunk);
      this.output.push(
        ...chunk
          .toString()
          .split('\n')
          .filter((line) => line.trim() !== ''),
      );
      this.output.splice(0, Math.max(0, this.output.length - KEPT_LINES));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.stopping = false;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        if (!this.stopping)
          this.crashes.push(
            `${this.spec.nodeId} exited by itself (code ${String(code)}, signal ${String(signal)}); its last output:\n${this.tail()}`,
          );
        resolve();
      }),
    );
  }

  /** Where this node's output is kept whole, if the run asked for it (BENCH_NODE_LOG_DIR). */
  private logFile(): string | undefined {
    const directory = nodeLogDir();
    if (directory === undefined) return undefined;
    mkdirSync(directory, { recursive: true });
    return path.join(directory, `${this.spec.nodeId}.log`);
  }

  async waitUntilLive(timeoutMs = LIVE_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.spec.nodeId} exited:\n${this.tail()}`);
      try {
        const response = await fetch(`${this.url}/health/live`, {
          signal: AbortSignal.timeout(1_000),
        });
        if (response.ok) return;
      } catch {
        // Not listening yet.
      }
      await sleep(100);
    }
    throw new Error(`${this.spec.nodeId} did not answer within ${timeoutMs} ms:\n${this.tail()}`);
  }

  /** The crashes seen since the last call. */
  takeCrashes(): string[] {
    return this.crashes.splice(0);
  }

  async kill(): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (a graceful stop hands leadership over), SIGKILL if it takes too long. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), GRACEFUL_STOP_MS);
    this.child?.kill('SIGTERM');
    await this.exited;
    clearTimeout(timer);
  }
}

/** `BENCH_NODE_LOG_DIR=/tmp/logs`: every node's output, at LOG_LEVEL=info, in <dir>/<node id>.log. */
function nodeLogDir(): string | undefined {
  const directory = process.env.BENCH_NODE_LOG_DIR;
  return directory === undefined || directory === '' ? undefined : directory;
}

/** `BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof"` profiles every node of a run. */
function nodeFlags(): string[] {
  return (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== '');
}
