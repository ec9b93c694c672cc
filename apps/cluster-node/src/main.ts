import { ConfigValidationError, formatConfigError, loadNodeConfig } from '@falconmind/config';
import { createClusterNode } from './cluster-node';

/**
 * Starts one cluster node from the environment (see .env.example). With no environment at all it is
 * the development mode: one node on 127.0.0.1:8888 with an embedded database under ./data/node-1.
 */
async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(
      'Usage: npm start\n\nRuns one FalconMind Cluster Center node, configured by the environment\n' +
        '(NODE_ID, NODE_ADDRESS, NODE_PORT, RAFT_PORT, PEER_NODES, DATABASE_URL, DATA_DIR, CLUSTER_ID,\n' +
        'CLUSTER_SECRET, RAFT_TICK_MS, ... — see .env.example). With none set: a one-node development\n' +
        'cluster on 127.0.0.1:8888 with an embedded PostgreSQL under ./data/node-1.\n',
    );
    return;
  }
  let node;
  try {
    node = createClusterNode(loadNodeConfig(process.env));
  } catch (error) {
    process.stderr.write(`${formatConfigError(error)}\n`);
    process.exit(error instanceof ConfigValidationError ? 1 : 2);
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(
      `${JSON.stringify({ level: 'info', msg: `${signal}: stopping gracefully` })}\n`,
    );
    node
      .stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        process.stderr.write(`${String(error)}\n`);
        process.exit(1);
      });
  };
  // Crash-only: a node whose database write failed exits, and a supervisor restarts it from its
  // durable state.
  node.onFatal(() => {
    void node.stop().finally(() => process.exit(1));
  });
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  await node.start();
}

main().catch((error: unknown) => {
  process.stderr.write(
    `cannot start the node: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
