/**
 * Test support: real cluster-node processes on 127.0.0.1, each with its own PostgreSQL database,
 * started, killed (SIGKILL), paused and stopped by the tests. Every process and database made here is
 * cleaned up by `stopAll()` / `dropAll()`.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import path from 'node:path';
import { Client } from 'pg';
import { nodeOptionsWithHeapLimit } from '@falconmind/config';

const ROOT = path.resolve(__dirname, '..', '..');
const SERVER_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
/** Lines of output kept per process, shown when a test fails. */
const KEPT_LINES = 200;

export interface PeerSpec {
  readonly node_id: string;
  readonly address: string;
  readonly port: number;
}

export interface NodeSpec {
  readonly nodeId: string;
  readonly httpPort: number;
  readonly databaseUrl: string;
  readonly peers?: readonly PeerSpec[];
  readonly env?: Record<string, string>;
}

/**
 * Ports for nodes are drawn from below Linux's ephemeral range (32768-60999): helpers that bind port
 * 0 (etcd, the Consul test server) and outgoing connections take theirs from that range, so a port
 * chosen here and bound a moment later by the node is not taken meanwhile by one of them.
 */
const NODE_PORT_RANGE = { from: 20_000, to: 32_000 } as const;

/** Two consecutive free ports on 127.0.0.1 (HTTP and Raft = HTTP + 1). */
export async function freePortPair(): Promise<number> {
  const span = NODE_PORT_RANGE.to - NODE_PORT_RANGE.from - 1;
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = NODE_PORT_RANGE.from + Math.floor(Math.random() * span);
    if ((await isFree(port)) && (await isFree(port + 1))) return port;
  }
  throw new Error('no free pair of ports found');
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      server.close(() => resolve(bound));
    });
  });
}

async function isFree(port: number): Promise<boolean> {
  try {
    await listenOnce(port);
    return true;
  } catch {
    return false;
  }
}

/** Creates an empty database for one node; `dropDatabases` removes them all. */
export async function createNodeDatabase(label: string): Promise<string> {
  const name = `falconmind_e2e_${label.replace(/[^a-z0-9]/gi, '_')}_${process.pid}_${randomBytes(3).toString('hex')}`;
  await onServer(`CREATE DATABASE "${name}"`);
  created.push(name);
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

const created: string[] = [];

export async function dropDatabases(): Promise<void> {
  for (const name of created.splice(0))
    await onServer(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** DATA_DIRs made for nodes (snapshot images in transit), removed with the databases. */
const dataDirs: string[] = [];

/** A fresh DATA_DIR for a test node, outside the repository. */
export function testDataDir(label: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `falconmind-e2e-${label}-`));
  dataDirs.push(dir);
  return dir;
}

async function onServer(sql: string): Promise<void> {
  const client = new Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** One cluster-node process. */
export class NodeProcess {
  private child: ChildProcess | undefined;
  private readonly output: string[] = [];
  /** Lines of output seen since the first start, kept or not. */
  private linesSeen = 0;
  private exited: Promise<number | null> = Promise.resolve(null);

  /** The node's own DATA_DIR, kept across restarts like its database. */
  readonly dataDir: string;

  constructor(readonly spec: NodeSpec) {
    this.dataDir = testDataDir(spec.nodeId);
  }

  get nodeId(): string {
    return this.spec.nodeId;
  }

  get url(): string {
    return `http://127.0.0.1:${this.spec.httpPort}`;
  }

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  environment(): Record<string, string> {
    return {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_OPTIONS: nodeOptionsWithHeapLimit(undefined),
      NODE_ID: this.spec.nodeId,
      NODE_ADDRESS: '127.0.0.1',
      NODE_PORT: String(this.spec.httpPort),
      DATABASE_URL: this.spec.databaseUrl,
      DATA_DIR: this.dataDir,
      RAFT_TICK_MS: '50',
      LOG_LEVEL: 'info',
      ...(this.spec.peers && this.spec.peers.length > 0
        ? { PEER_NODES: JSON.stringify(this.spec.peers) }
        : {}),
      ...(this.spec.env ?? {}),
    };
  }

  start(): void {
    if (this.running) throw new Error(`${this.nodeId} is already running`);
    const child = spawn(
      process.execPath,
      ['--require', '@swc-node/register', 'apps/cluster-node/src/main.ts'],
      {
        cwd: ROOT,
        env: { ...this.environment(), SWC_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    const keep = (chunk: Buffer): void => {
      for (const line of chunk.toString().split('\n')) {
        if (line.trim() === '') continue;
        this.output.push(line);
        this.linesSeen++;
        if (this.output.length > KEPT_LINES) this.output.shift();
      }
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** kill -9: no cleanup, nothing flushed that was not durable. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM and wait for a graceful exit (SIGKILL after `timeoutMs`). Returns the exit code. */
  async stop(timeoutMs = 15_000): Promise<number | null> {
    if (!this.running) return this.child?.exitCode ?? null;
    this.child?.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** Resolves with the exit code once the process ends. */
  waitForExit(): Promise<number | null> {
    return this.exited;
  }

  logs(): string {
    return this.output.join('\n');
  }

  /** A mark in the output, for `logsSince`: the number of lines seen so far. */
  logMark(): number {
    return this.linesSeen;
  }

  /** The kept lines written after `mark` (from `logMark()`), e.g. since a restart. */
  logsSince(mark: number): string {
    const dropped = this.linesSeen - this.output.length;
    return this.output.slice(Math.max(0, mark - dropped)).join('\n');
  }

  async getJson<T = Record<string, unknown>>(
    pathname: string,
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.url}${pathname}`, { signal: AbortSignal.timeout(3000) });
    return { status: response.status, body: (await response.json()) as T };
  }

  async send<T = Record<string, unknown>>(
    method: string,
    pathname: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.url}${pathname}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
  }

  /**
   * Waits until the HTTP API answers /health/live; fails at once if the process exits. A node
   * compiles its TypeScript as it starts (about 5 s alone), and CI starts several at a time on two
   * cores, hence the generous bound.
   */
  async waitUntilLive(timeoutMs = 90_000): Promise<void> {
    await waitFor(`${this.nodeId} to answer /health/live`, timeoutMs, async () => {
      if (!this.running) throw new Error(`${this.nodeId} exited:\n${this.logs()}`);
      try {
        return (await this.getJson('/health/live')).status === 200;
      } catch {
        return false;
      }
    });
  }
}

/** Polls `check` until it returns true; fails with `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean> | boolean,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
