import 'reflect-metadata';
import { getHeapStatistics } from 'node:v8';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  CONSENSUS_ENTITIES,
  CONSENSUS_MIGRATIONS,
  ClusterNodeRuntime,
} from '@falconmind/consensus';
import { Environment, loadNodeConfig, NodeConfig } from '@falconmind/config';
import { NodeDatabase, openNodeDatabase } from '@falconmind/database';
import { FLEET_MIGRATIONS, FleetApplier } from '@falconmind/fleet';
import { createDiscovery, Discovery } from '@falconmind/discovery';
import { DiscoveryFormation } from './discovery/discovery-formation';
import { DiscoveryPublisher } from './discovery/discovery-publisher';
import { discoveryAnnouncement, discoveryTimings } from './discovery/discovery-settings';
import { AppModule } from './app.module';
import { RaftHealthIndicator } from './health/raft.health';
import { NodeLogger } from './node-logger';
import { NODE_VERSION } from './node-version';
import { setupOpenApi } from './openapi/setup-openapi';
import { createHttpAdapter } from './http/http-adapter';
import { ROUTE_BODY_LIMITS } from './http/route-body-limits';

/** A running (or ready to run) cluster node. */
export interface ClusterNodeHandle {
  readonly config: NodeConfig;
  /** The HTTP API's base URL once started. */
  readonly url: string;
  start(): Promise<void>;
  /** Stops gracefully: not ready, hand leadership over, finish requests, close. */
  stop(): Promise<void>;
  /**
   * Called if the node stopped its consensus loop by itself (a write to its database failed): it can
   * no longer take part and should be restarted, which recovers it from what is durable.
   */
  onFatal(listener: (error: Error) => void): void;
}

/** The programmatic form of the original design's configuration (`node_id`, `address`, `port`, peers). */
export interface DistributedClusterOptions {
  readonly nodeId: string;
  readonly address?: string;
  readonly port?: number;
  readonly raftPort?: number;
  readonly peerNodes?: ReadonlyArray<{
    node_id: string;
    address: string;
    port: number;
    raft_port?: number;
  }>;
  readonly databaseUrl?: string;
  readonly dataDir?: string;
  readonly clusterId?: string;
  readonly clusterSecret?: string;
  /** Any other variable of `.env.example`, by name. */
  readonly env?: Environment;
}

/**
 * The original design's entry point: a node of a distributed cluster, configured as in code rather
 * than through the environment. The same validation applies (a bad value throws ConfigValidationError).
 */
export function createDistributedCluster(options: DistributedClusterOptions): ClusterNodeHandle {
  const named: Environment = {
    NODE_ID: options.nodeId,
    NODE_ADDRESS: options.address,
    NODE_PORT: options.port?.toString(),
    RAFT_PORT: options.raftPort?.toString(),
    PEER_NODES: options.peerNodes ? JSON.stringify(options.peerNodes) : undefined,
    DATABASE_URL: options.databaseUrl,
    DATA_DIR: options.dataDir,
    CLUSTER_ID: options.clusterId,
    CLUSTER_SECRET: options.clusterSecret,
  };
  // A named option overrides `env` only when it is given.
  const env: Environment = {
    ...(options.env ?? {}),
    ...Object.fromEntries(Object.entries(named).filter(([, value]) => value !== undefined)),
  };
  return createClusterNode(loadNodeConfig(env));
}

/** A node for a validated configuration (what `main.ts` runs with the environment's). */
export function createClusterNode(config: NodeConfig): ClusterNodeHandle {
  let runtime: ClusterNodeRuntime | undefined;
  const logger = new NodeLogger(config.nodeId, config.logLevel, () =>
    runtime?.driver.currentTerm(),
  );
  let database: NodeDatabase | undefined;
  let discovery: Discovery | undefined;
  let publisher: DiscoveryPublisher | undefined;
  let app: INestApplication | undefined;
  let url = '';
  const fatalListeners: Array<(error: Error) => void> = [];
  return {
    onFatal(listener) {
      fatalListeners.push(listener);
    },
    config,
    get url() {
      return url;
    },
    async start() {
      database = await openNodeDatabase({
        nodeId: config.nodeId,
        databaseUrl: config.databaseUrl,
        dataDir: config.dataDir,
        entities: CONSENSUS_ENTITIES,
        migrations: [...CONSENSUS_MIGRATIONS, ...FLEET_MIGRATIONS],
        logger,
      });
      discovery = createDiscovery(config.discovery, {
        logger,
        peers: config.peers,
        timings: discoveryTimings(config.discoveryTimeScale),
      });
      runtime = new ClusterNodeRuntime({
        config,
        dataSource: database.dataSource,
        logger,
        applier: new FleetApplier(),
        formation:
          config.discovery.kind === 'static'
            ? undefined
            : new DiscoveryFormation(discovery, {
                nodeId: config.nodeId,
                bootstrapExpect: config.bootstrapExpect,
                logger,
              }),
      });
      runtime.driver.onFailure((error) => {
        logger.error('the consensus loop stopped after a failed write; restart this node', {
          error: error.message,
        });
        for (const listener of fatalListeners) listener(error);
      });
      await discovery.start(discoveryAnnouncement(config, NODE_VERSION), {
        role: 'starting',
        ready: false,
        term: 0,
      });
      await runtime.start();
      publisher = new DiscoveryPublisher(discovery, runtime);
      publisher.start();
      app = await NestFactory.create(
        AppModule.forRoot({
          config,
          dataSource: database.apiDataSource,
          runtime,
          discovery,
          logger,
        }),
        createHttpAdapter(ROUTE_BODY_LIMITS),
        // The adapter reads JSON bodies itself, with a limit per route.
        { logger, abortOnError: false, bodyParser: false },
      );
      setupOpenApi(app, NODE_VERSION);
      await app.listen(config.nodePort, config.nodeAddress);
      url = `http://${config.nodeAddress.includes(':') ? `[${config.nodeAddress}]` : config.nodeAddress}:${config.nodePort}`;
      logger.info('cluster node started', {
        http: url,
        raftPort: config.raftPort,
        database: database.embedded ? 'embedded' : 'DATABASE_URL',
        // The limit NODE_OPTIONS or the command line set (docs/performance.md, "Memory").
        heapLimitMb: Math.round(getHeapStatistics().heap_size_limit / 1_048_576),
      });
      if (config.plantedBug) {
        logger.warn('FALCONMIND_PLANTED_BUG is set: this node breaks its guarantees on purpose', {
          bug: config.plantedBug,
        });
      }
    },
    async stop() {
      app?.get(RaftHealthIndicator).startDraining();
      publisher?.drain();
      await runtime?.stop(true);
      publisher?.stop();
      // Deregister once this node no longer serves: peers stop listing it at once, no TTL wait.
      await discovery?.stop();
      await app?.close();
      await database?.close();
      logger.info('cluster node stopped');
    },
  };
}
