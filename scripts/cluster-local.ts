/**
 * Runs a local cluster of real node processes on 127.0.0.1, as the original design's three-node
 * example: node-1 founds the cluster, the others join it. Each node keeps its data (an embedded
 * PostgreSQL unless DATABASE_URL_TEMPLATE is set) under ./data/<node id>. Ctrl-C stops them all.
 */
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { nodeOptionsWithHeapLimit } from '@falconmind/config';

const USAGE = `Usage: npm run cluster:local -- [--nodes N] [--base-port PORT]

Starts N cluster nodes (default 3) on 127.0.0.1: node-1 on PORT (default 8888), node-2 on PORT+2,
node-3 on PORT+4, ... with Raft on each HTTP port + 1. node-1 founds the cluster; each later node
lists the earlier ones in PEER_NODES and joins through them, as in the original deployment example.
Each node keeps its data under ./data/<node id>, with an embedded PostgreSQL; set
DATABASE_URL_TEMPLATE (e.g. postgres://postgres@127.0.0.1:5432/falconmind_{node}) to use a server.
Their logs are printed with the node's id in front. Ctrl-C stops every node gracefully.`;

interface Options {
  nodes: number;
  basePort: number;
}

function parse(argv: readonly string[]): Options | 'help' {
  const options: Options = { nodes: 3, basePort: 8888 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = Number(argv[i + 1]);
    if (flag === '-h' || flag === '--help') return 'help';
    if (flag === '--nodes' && Number.isInteger(value) && value >= 1 && value <= 9)
      options.nodes = value;
    else if (flag === '--base-port' && Number.isInteger(value) && value > 0 && value < 65000)
      options.basePort = value;
    else throw new Error(`unknown or invalid option ${flag} ${argv[i + 1] ?? ''}`.trim());
    i++;
  }
  return options;
}

function main(): void {
  let options: Options | 'help';
  try {
    options = parse(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`cluster:local: ${(error as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const root = path.resolve(__dirname, '..');
  const children: ChildProcess[] = [];
  const peers: Array<{ node_id: string; address: string; port: number }> = [];
  for (let n = 1; n <= options.nodes; n++) {
    const nodeId = `node-${n}`;
    const port = options.basePort + 2 * (n - 1);
    const template = process.env.DATABASE_URL_TEMPLATE;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_OPTIONS: nodeOptionsWithHeapLimit(process.env.NODE_OPTIONS),
      NODE_ID: nodeId,
      NODE_ADDRESS: '127.0.0.1',
      NODE_PORT: String(port),
      DATA_DIR: path.join(root, 'data', nodeId),
      PEER_NODES: peers.length > 0 ? JSON.stringify(peers) : '',
      DATABASE_URL: template ? template.replace('{node}', nodeId.replace('-', '_')) : '',
    };
    const child = spawn(
      process.execPath,
      ['--require', '@swc-node/register', 'apps/cluster-node/src/main.ts'],
      {
        cwd: root,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const prefix = `[${nodeId}] `;
    const relay = (stream: NodeJS.WritableStream) => (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line) stream.write(`${prefix}${line}\n`);
    };
    child.stdout?.on('data', relay(process.stdout));
    child.stderr?.on('data', relay(process.stderr));
    child.on('exit', (code, signal) =>
      process.stdout.write(`${prefix}exited (${signal ?? code})\n`),
    );
    children.push(child);
    peers.push({ node_id: nodeId, address: '127.0.0.1', port });
  }
  process.stdout.write(
    `\nStarted ${options.nodes} nodes. Look at:\n` +
      peers.map((p) => `  ${p.node_id}: http://127.0.0.1:${p.port}/cluster/info\n`).join('') +
      `  health: http://127.0.0.1:${options.basePort}/health\nCtrl-C stops them all.\n\n`,
  );
  let stopping = false;
  const stopAll = (): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('stopping every node...\n');
    for (const child of children) child.kill('SIGTERM');
    const force = setTimeout(() => children.forEach((c) => c.kill('SIGKILL')), 20_000);
    force.unref();
  };
  process.on('SIGINT', stopAll);
  process.on('SIGTERM', stopAll);
  let running = children.length;
  for (const child of children) {
    child.on('exit', () => {
      running--;
      if (running === 0) process.exit(0);
    });
  }
}

main();
