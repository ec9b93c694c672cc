/**
 * Process control of one cluster node: start (with its environment), kill -9, SIGSTOP / SIGCONT,
 * graceful stop, all by the child's own PID. Every line the node writes goes to its log file, which
 * spans its restarts (each start is marked), and to the listeners (the harness watches for
 * snapshots).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, WriteStream } from 'node:fs';
import path from 'node:path';
import { nodeOptionsWithHeapLimit } from '@falconmind/config';

const ROOT = path.resolve(__dirname, '..', '..');

export interface PeerAddress {
  readonly node_id: string;
  readonly address: string;
  readonly port: number;
}

export interface NodeLaunch {
  readonly databaseUrl: string;
  /** DATA_DIR: where the node keeps files of its own (snapshot images in transit). */
  readonly dataDir: string;
  /** PEER_NODES: empty for the founder's first start, the members to join through otherwise. */
  readonly peers: readonly PeerAddress[];
  /** RAFT_PEER_ROUTES: every peer through this node's own outgoing proxies. */
  readonly routes: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string>>;
}

/** How a node's process ended, and whether the harness meant it to. */
export interface NodeExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when the harness killed or stopped it; false when it ended by itself (a crash). */
  readonly expected: boolean;
  /** Its last lines of output, for a crash report. */
  readonly lastLines: readonly string[];
}

/** Lines of output kept for a crash report. */
const KEPT_LINES = 15;

export class NodeProcessControl {
  private child: ChildProcess | undefined;
  private exitExpected = false;
  private readonly exitListeners: Array<(exit: NodeExit) => void> = [];
  private readonly recentLines: string[] = [];
  private exited: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly log: WriteStream;
  private readonly lineListeners: Array<(line: string) => void> = [];
  private starts = 0;

  constructor(
    readonly nodeId: string,
    readonly httpPort: number,
    readonly raftPort: number,
    logFile: string,
  ) {
    this.log = createWriteStream(logFile, { flags: 'a' });
  }

  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  /** Running or stopped by SIGSTOP: the process exists. */
  get alive(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /** Stopped by SIGSTOP and not yet continued. */
  get paused(): boolean {
    return this.alive && this.stopped;
  }

  get pid(): number | undefined {
    return this.alive ? this.child?.pid : undefined;
  }

  onLine(listener: (line: string) => void): void {
    this.lineListeners.push(listener);
  }

  onExit(listener: (exit: NodeExit) => void): void {
    this.exitListeners.push(listener);
  }

  start(launch: NodeLaunch): void {
    if (this.alive) throw new Error(`${this.nodeId} is already running`);
    this.starts++;
    this.stopped = false;
    this.exitExpected = false;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      SWC_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'),
      NODE_OPTIONS: nodeOptionsWithHeapLimit(undefined),
      NODE_ID: this.nodeId,
      NODE_ADDRESS: '127.0.0.1',
      NODE_PORT: String(this.httpPort),
      RAFT_PORT: String(this.raftPort),
      DATABASE_URL: launch.databaseUrl,
      DATA_DIR: launch.dataDir,
      RAFT_PEER_ROUTES: JSON.stringify(launch.routes),
      ...(launch.peers.length > 0 ? { PEER_NODES: JSON.stringify(launch.peers) } : {}),
      ...launch.env,
    };
    this.write(`--- chaos: start #${this.starts} of ${this.nodeId} at ${new Date().toISOString()}`);
    const child = spawn(
      process.execPath,
      ['--require', '@swc-node/register', 'apps/cluster-node/src/main.ts'],
      { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    let partial = '';
    const onChunk = (chunk: Buffer): void => {
      const text = partial + chunk.toString();
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') this.write(line);
    };
    child.stdout?.on('data', onChunk);
    child.stderr?.on('data', onChunk);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.write(
          `--- chaos: ${this.nodeId} exited (${signal ?? `code ${String(code)}`}) at ${new Date().toISOString()}`,
        );
        resolve();
        const exit: NodeExit = {
          code,
          signal,
          expected: this.exitExpected,
          lastLines: [...this.recentLines],
        };
        for (const listener of this.exitListeners) listener(exit);
      }),
    );
  }

  /** kill -9, and wait until it is gone. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    this.exitExpected = true;
    this.child?.kill('SIGKILL');
    await this.exited;
    this.stopped = false;
  }

  pause(): void {
    if (!this.alive || this.stopped) return;
    this.child?.kill('SIGSTOP');
    this.stopped = true;
  }

  resume(): void {
    if (!this.alive || !this.stopped) return;
    this.child?.kill('SIGCONT');
    this.stopped = false;
  }

  /** SIGTERM (continuing it first if paused), SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.alive) return;
    this.exitExpected = true;
    this.resume();
    this.child?.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Last resort on exit: synchronous, no waiting. */
  killNow(): void {
    this.exitExpected = true;
    if (this.alive) this.child?.kill('SIGKILL');
  }

  /** Writes a line of the harness's own into the node's log (e.g. the faults it suffers). */
  note(text: string): void {
    this.write(`--- chaos: ${text}`);
  }

  async closeLog(): Promise<void> {
    await new Promise<void>((resolve) => this.log.end(() => resolve()));
  }

  private write(line: string): void {
    if (!this.log.writableEnded) this.log.write(`${line}\n`);
    this.recentLines.push(line);
    if (this.recentLines.length > KEPT_LINES) this.recentLines.shift();
    for (const listener of this.lineListeners) listener(line);
  }
}
