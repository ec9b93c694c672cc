/**
 * The real thing, when a `consul` binary is on the PATH: `consul agent -dev` bound to 127.0.0.1 on
 * free ports, with its own temporary data directory, optionally with ACLs in default-deny and the
 * given token as the initial management token. Time scaling does not apply to a real agent.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConsulTestServer, ConsulTestServerOptions } from './consul-test-server';
import { TEST_AGENT_NODE_NAME } from './fake-consul-agent';

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** The path of an executable `consul` on the PATH, if any. */
export function findConsulBinary(): string | undefined {
  for (const directory of (process.env.PATH ?? '').split(path.delimiter)) {
    if (directory === '') continue;
    const candidate = path.join(directory, 'consul');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here: keep looking.
    }
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export class ConsulAgentDev implements ConsulTestServer {
  readonly kind = 'consul-agent-dev' as const;
  readonly host = HOST;
  private child: ChildProcess | undefined;
  private output: string[] = [];

  private constructor(
    private readonly binary: string,
    readonly port: number,
    private readonly args: readonly string[],
    private readonly dataDir: string,
  ) {}

  static async create(binary: string, options: ConsulTestServerOptions): Promise<ConsulAgentDev> {
    const httpPort = options.port && options.port > 0 ? options.port : await freePort();
    const [serfLan, serfWan, server] = [await freePort(), await freePort(), await freePort()];
    const dataDir = mkdtempSync(path.join(tmpdir(), 'consul-agent-dev-'));
    const acl =
      options.aclToken === undefined
        ? []
        : [
            '-hcl',
            // The agent token too, or the agent could not sync its own node and services.
            `acl { enabled = true default_policy = "deny" tokens { initial_management = ${JSON.stringify(options.aclToken)} agent = ${JSON.stringify(options.aclToken)} } }`,
          ];
    const args = [
      'agent',
      '-dev',
      `-node=${TEST_AGENT_NODE_NAME}`,
      '-datacenter=dc1',
      `-bind=${HOST}`,
      `-client=${HOST}`,
      `-http-port=${httpPort}`,
      `-serf-lan-port=${serfLan}`,
      `-serf-wan-port=${serfWan}`,
      `-server-port=${server}`,
      '-dns-port=-1',
      '-grpc-port=-1',
      `-data-dir=${dataDir}`,
      ...acl,
    ];
    const agent = new ConsulAgentDev(binary, httpPort, args, dataDir);
    return agent;
  }

  get url(): string {
    return `http://${HOST}:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.child) return;
    this.output = [];
    const child = spawn(this.binary, this.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer): void => {
      this.output.push(chunk.toString('utf8'));
      if (this.output.length > 200) this.output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.child = child;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    // Ready once a leader is known: `/v1/status/leader` needs no token even with ACLs on.
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      try {
        const response = await fetch(`${this.url}/v1/status/leader`);
        const leader: unknown = await response.json();
        if (typeof leader === 'string' && leader !== '') return;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await this.stop();
    throw new Error(`consul agent -dev did not become ready:\n${this.output.join('')}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
