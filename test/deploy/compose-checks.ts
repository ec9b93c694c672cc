import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';
import { ConfigValidationError, NodeConfig, loadNodeConfig } from '@falconmind/config';
import {
  ComposeFile,
  ComposeService,
  bindSourceExists,
  declaredVariableNames,
  dependenciesOf,
  environmentOf,
  healthCheckOf,
  isClusterNode,
  publishedPorts,
  volumeMounts,
} from './compose-file';
import { InterpolationEnvironment, interpolateValues } from './compose-interpolation';
import { unknownVariables } from './config-variables';
import { environmentOfStage, healthCheckInstruction, readDockerfile } from './dockerfile';

/**
 * Checks of a compose file that no Docker engine is needed for. Each returns the problems it
 * found, one sentence each, naming the service: an empty list means the file passes.
 */
export type ComposeCheck = (deployment: Deployment) => string[];

/** A Cluster Center node service with the environment its container gets. */
export interface NodeService {
  readonly name: string;
  readonly service: ComposeService;
  /** The image's `ENV` defaults under the service's own `environment`. */
  readonly env: Readonly<Record<string, string>>;
  /** What the node would run with, or `undefined` when it refuses this environment. */
  readonly config: NodeConfig | undefined;
  /** The node's own one-line-per-variable refusal, when it refuses. */
  readonly refusal: string | undefined;
}

export interface Deployment {
  readonly compose: ComposeFile;
  readonly nodes: readonly NodeService[];
}

const runtimeStage = () => readDockerfile().at(-1)!;

/** Parses compose text as Compose would: merge keys resolved, values interpolated with `env`. */
export function parseDeployment(text: string, env: InterpolationEnvironment): Deployment {
  const compose = interpolateValues(parse(text, { merge: true }), env) as ComposeFile;
  const imageEnv = environmentOfStage(runtimeStage());
  const nodes = Object.entries(compose.services)
    .filter(([, service]) => isClusterNode(service))
    .map(([name, service]): NodeService => {
      const nodeEnv = { ...imageEnv, ...environmentOf(service, env) };
      try {
        return { name, service, env: nodeEnv, config: loadNodeConfig(nodeEnv), refusal: undefined };
      } catch (error) {
        if (!(error instanceof ConfigValidationError)) throw error;
        return { name, service, env: nodeEnv, config: undefined, refusal: error.message };
      }
    });
  return { compose, nodes };
}

/** The nodes whose environment the node accepts; the others are reported by `nodesAcceptTheirEnvironment`. */
function configured(deployment: Deployment): (NodeService & { config: NodeConfig })[] {
  return deployment.nodes.filter((node): node is NodeService & { config: NodeConfig } =>
    Boolean(node.config),
  );
}

export const runsAtLeastThreeNodes: ComposeCheck = ({ nodes }) =>
  nodes.length >= 3 ? [] : [`runs ${nodes.length} Cluster Center nodes; a cluster needs 3 to 5`];

export const nodesAcceptTheirEnvironment: ComposeCheck = ({ nodes }) =>
  nodes.flatMap((node) =>
    node.refusal === undefined
      ? []
      : [`${node.name}: the node refuses its environment: ${node.refusal}`],
  );

/** `loadNodeConfig` ignores names it does not read, so a misspelt variable would pass silently. */
export const namesOnlyKnownVariables: ComposeCheck = ({ nodes }) =>
  nodes.flatMap((node) =>
    unknownVariables(declaredVariableNames(node.service)).map(
      (name) => `${node.name}: ${name} is not a variable the node reads (a misspelling?)`,
    ),
  );

export const givesEachNodeItsOwnId: ComposeCheck = ({ nodes }) => {
  const problems: string[] = [];
  const owners = new Map<string, string>();
  for (const node of nodes) {
    const id = node.env.NODE_ID?.trim();
    if (!id) {
      problems.push(`${node.name}: NODE_ID is not set; every member needs its own`);
      continue;
    }
    const owner = owners.get(id);
    if (owner !== undefined) problems.push(`${node.name}: NODE_ID ${id} is ${owner}'s too`);
    owners.set(id, node.name);
  }
  return problems;
};

export const publishesEachHostPortOnce: ComposeCheck = ({ compose }) => {
  const problems: string[] = [];
  const owners = new Map<string, string>();
  for (const [name, service] of Object.entries(compose.services)) {
    for (const port of publishedPorts(service)) {
      // Bound to different addresses, two services still collide when one takes every address.
      const key = `${port.hostPort}/${port.protocol}`;
      const owner = owners.get(key);
      if (owner !== undefined)
        problems.push(`${name}: host port ${key} is published by ${owner} too`);
      owners.set(key, name);
    }
  }
  return problems;
};

export const declaresAHealthCheckOnEveryService: ComposeCheck = ({ compose }) =>
  Object.entries(compose.services).flatMap(([name, service]) =>
    healthCheckOf(service) === undefined ? [`${name}: no health check`] : [],
  );

export const waitsForHealthyDependencies: ComposeCheck = ({ compose }) =>
  Object.entries(compose.services).flatMap(([name, service]) => {
    const problems: string[] = [];
    for (const [dependency, condition] of dependenciesOf(service)) {
      const target = compose.services[dependency];
      if (target === undefined) {
        problems.push(`${name}: depends on ${dependency}, which is not a service of this file`);
        continue;
      }
      if (condition !== 'service_healthy') {
        problems.push(
          `${name}: waits for ${dependency} with ${condition ?? 'no condition'}, not service_healthy`,
        );
      }
      if (healthCheckOf(target) === undefined) {
        problems.push(`${name}: waits for ${dependency} to be healthy, but it has no health check`);
      }
    }
    return problems;
  });

/** The image's own probe and the file's must not drift apart. */
export const probesNodesAsTheImageDoes: ComposeCheck = ({ nodes }) => {
  const imageCheck = healthCheckInstruction(runtimeStage())?.command;
  return nodes.flatMap((node) => {
    const check = healthCheckOf(node.service);
    // Compose writes an exec-form command as ["CMD", ...]; the Dockerfile as the bare array.
    const command = Array.isArray(check) && check[0] === 'CMD' ? check.slice(1) : check;
    return check === undefined || isDeepStrictEqual(command, imageCheck)
      ? []
      : [
          `${node.name}: its health check is not the image's HEALTHCHECK (${JSON.stringify(imageCheck)})`,
        ];
  });
};

/**
 * Every node has a database of its own (two nodes must never share one), on a PostgreSQL service
 * of the file that the node waits for, reached with a role that service creates.
 */
export const givesEachNodeItsOwnDatabase: ComposeCheck = (deployment) => {
  const { compose } = deployment;
  const problems: string[] = [];
  const owners = new Map<string, string>();
  for (const node of configured(deployment)) {
    const url = node.config.databaseUrl;
    if (url === undefined) {
      problems.push(
        `${node.name}: DATABASE_URL is not set (the embedded database is for development)`,
      );
      continue;
    }
    const { hostname, port, username, password, pathname } = new URL(url);
    const database = decodeURIComponent(pathname.slice(1));
    const key = `${hostname}:${port || '5432'}/${database}`;
    const owner = owners.get(key);
    if (owner !== undefined)
      problems.push(`${node.name}: shares the database ${key} with ${owner}`);
    owners.set(key, node.name);

    const server = compose.services[hostname];
    if (server === undefined) {
      problems.push(
        `${node.name}: DATABASE_URL names ${hostname}, which is not a service of this file`,
      );
      continue;
    }
    if (dependenciesOf(node.service).get(hostname) !== 'service_healthy') {
      problems.push(
        `${node.name}: does not wait for its database server ${hostname} to be healthy`,
      );
    }
    const roles = rolesCreatedBy(server);
    const user = decodeURIComponent(username);
    if (!roles.has(user)) {
      problems.push(`${node.name}: connects as ${user}, a role ${hostname} does not create`);
    } else if (roles.get(user) !== decodeURIComponent(password)) {
      problems.push(
        `${node.name}: the password of ${user} in DATABASE_URL is not the one ${hostname} sets`,
      );
    }
    const created = databasesCreatedBy(server);
    if (created !== undefined && !created.includes(database)) {
      problems.push(`${node.name}: ${database} is not among the databases ${hostname} creates`);
    }
  }
  return problems;
};

/** The mount point of the image's database init scripts. */
const INIT_SCRIPTS = '/docker-entrypoint-initdb.d';

/** The roles a postgres service sets up, with their passwords: the superuser, and the init script's. */
function rolesCreatedBy(server: ComposeService): Map<string, string | undefined> {
  const env = environmentOf(server);
  const roles = new Map<string, string | undefined>([
    [env.POSTGRES_USER || 'postgres', env.POSTGRES_PASSWORD],
  ]);
  if (runsInitScripts(server) && env.FALCONMIND_DB_USER) {
    roles.set(env.FALCONMIND_DB_USER, env.FALCONMIND_DB_PASSWORD);
  }
  return roles;
}

/** The databases the init script creates, or `undefined` when the service runs none. */
function databasesCreatedBy(server: ComposeService): string[] | undefined {
  if (!runsInitScripts(server)) return undefined;
  return (environmentOf(server).FALCONMIND_DATABASES ?? '').split(/\s+/).filter(Boolean);
}

function runsInitScripts(server: ComposeService): boolean {
  return volumeMounts(server).some((mount) => mount.target === INIT_SCRIPTS);
}

/**
 * Each node's DATA_DIR is a named volume of its own, so that it survives the container; every named
 * volume is declared, and every bind-mounted path exists in the repository.
 */
export const mountsVolumesThatExist: ComposeCheck = (deployment) => {
  const { compose } = deployment;
  const problems: string[] = [];
  const declared = new Set(Object.keys(compose.volumes ?? {}));
  const users = new Map<string, string>();
  for (const [name, service] of Object.entries(compose.services)) {
    for (const mount of volumeMounts(service)) {
      if (mount.kind === 'named' && mount.source !== undefined) {
        if (!declared.has(mount.source)) {
          problems.push(`${name}: the volume ${mount.source} is not declared under volumes:`);
        }
        const user = users.get(mount.source);
        if (user !== undefined && user !== name) {
          problems.push(`${name}: shares the volume ${mount.source} with ${user}`);
        }
        users.set(mount.source, name);
      }
      if (mount.kind === 'bind' && mount.source !== undefined && !bindSourceExists(mount.source)) {
        problems.push(`${name}: mounts ${mount.source}, which does not exist beside the file`);
      }
    }
  }
  for (const node of configured(deployment)) {
    const mounted = volumeMounts(node.service).some(
      (mount) => mount.kind === 'named' && mount.target === node.config.dataDir,
    );
    if (!mounted) {
      problems.push(
        `${node.name}: no named volume is mounted on its DATA_DIR ${node.config.dataDir}`,
      );
    }
  }
  return problems;
};

/** The members must agree on how they find each other and on what proves they belong together. */
export const agreesOnDiscoveryAndCluster: ComposeCheck = (deployment) => {
  const nodes = configured(deployment);
  if (nodes.length === 0) return [];
  const [first] = nodes;
  const problems: string[] = [];
  for (const node of nodes.slice(1)) {
    for (const [label, value, expected] of [
      ['DISCOVERY', node.config.discovery.kind, first.config.discovery.kind],
      ['CLUSTER_ID', node.config.clusterId, first.config.clusterId],
      ['CLUSTER_SECRET', node.config.clusterSecret, first.config.clusterSecret],
      ['BOOTSTRAP_EXPECT', node.config.bootstrapExpect, first.config.bootstrapExpect],
    ] as const) {
      if (value !== expected)
        problems.push(`${node.name}: its ${label} differs from ${first.name}'s`);
    }
    if (!isDeepStrictEqual(node.config.discovery, first.config.discovery)) {
      problems.push(`${node.name}: its discovery store differs from ${first.name}'s`);
    }
  }
  return problems;
};

/**
 * Static membership as the original design forms it: exactly one node (the founder) starts without
 * peers, since peers listed everywhere would leave nobody to found the cluster; every other node
 * lists the founder and every node declared before it, each at its service name and its own ports.
 */
export const listsPeersAsTheyRun: ComposeCheck = (deployment) => {
  const nodes = configured(deployment).filter((node) => node.config.discovery.kind === 'static');
  const problems: string[] = [];
  const byId = new Map(nodes.map((node) => [node.config.nodeId, node]));
  const founders = nodes.filter((node) => node.config.peers.length === 0);
  if (nodes.length > 0 && founders.length !== 1) {
    problems.push(
      `${founders.length} nodes start without PEER_NODES (${founders.map((n) => n.name).join(', ')}); exactly one founds the cluster`,
    );
  }
  nodes.forEach((node, position) => {
    if (node.config.peers.length === 0) return;
    for (const peer of node.config.peers) {
      const target = byId.get(peer.nodeId);
      if (target === undefined) {
        problems.push(
          `${node.name}: PEER_NODES lists ${peer.nodeId}, which no node of this file is`,
        );
        continue;
      }
      if (peer.address !== target.name) {
        problems.push(
          `${node.name}: PEER_NODES reaches ${peer.nodeId} at ${peer.address}, not at its service name ${target.name}`,
        );
      }
      if (peer.port !== target.config.nodePort || peer.raftPort !== target.config.raftPort) {
        problems.push(
          `${node.name}: PEER_NODES gives ${peer.nodeId} ports ${peer.port}/${peer.raftPort}; it listens on ${target.config.nodePort}/${target.config.raftPort}`,
        );
      }
    }
    const listed = new Set(node.config.peers.map((peer) => peer.nodeId));
    for (const earlier of nodes.slice(0, position)) {
      if (!listed.has(earlier.config.nodeId)) {
        problems.push(
          `${node.name}: PEER_NODES leaves out ${earlier.config.nodeId}, started before it`,
        );
      }
    }
  });
  return problems;
};

/**
 * With etcd or Consul: the fresh nodes form the cluster once BOOTSTRAP_EXPECT of them are
 * registered, so it must be the number of nodes the file starts (more would wait forever, fewer
 * would form a smaller cluster first); each node is advertised at its service name, since it binds
 * the wildcard address; and the store is a service the node waits for.
 */
export const findsPeersThroughTheStore: ComposeCheck = (deployment) => {
  const { compose } = deployment;
  const nodes = configured(deployment).filter((node) => node.config.discovery.kind !== 'static');
  const problems: string[] = [];
  for (const node of nodes) {
    const { config } = node;
    if (config.bootstrapExpect !== nodes.length) {
      problems.push(
        `${node.name}: BOOTSTRAP_EXPECT is ${config.bootstrapExpect ?? 'unset'}, but the file starts ${nodes.length} nodes`,
      );
    }
    if (config.advertiseAddress !== node.name) {
      problems.push(
        `${node.name}: ADVERTISE_ADDRESS is ${config.advertiseAddress ?? 'unset'}, not its service name ${node.name}`,
      );
    }
    const { discovery } = config;
    const storeUrls =
      discovery.kind === 'consul'
        ? [discovery.httpAddr]
        : discovery.kind === 'etcd'
          ? discovery.endpoints
          : [];
    for (const url of storeUrls) {
      const host = new URL(url).hostname;
      if (compose.services[host] === undefined) {
        problems.push(
          `${node.name}: its ${discovery.kind} store ${url} is not a service of this file`,
        );
      } else if (dependenciesOf(node.service).get(host) !== 'service_healthy') {
        problems.push(
          `${node.name}: does not wait for its ${discovery.kind} store ${host} to be healthy`,
        );
      }
    }
  }
  return problems;
};

/** Every check, by the behaviour it guards. */
export const COMPOSE_CHECKS: Readonly<Record<string, ComposeCheck>> = {
  'runs at least three Cluster Center nodes': runsAtLeastThreeNodes,
  'configures each node with an environment the node accepts': nodesAcceptTheirEnvironment,
  'names only variables the node reads': namesOnlyKnownVariables,
  'gives each node its own NODE_ID': givesEachNodeItsOwnId,
  'publishes each host port once': publishesEachHostPortOnce,
  'declares a health check on every service': declaresAHealthCheckOnEveryService,
  'starts each service only once the services it depends on are healthy':
    waitsForHealthyDependencies,
  "probes each node's liveness as the image does": probesNodesAsTheImageDoes,
  'gives each node its own database, on a server it waits for, with a role that server creates':
    givesEachNodeItsOwnDatabase,
  'mounts a volume of its own on each DATA_DIR, and only volumes and paths that exist':
    mountsVolumesThatExist,
  'configures every node with the same discovery, cluster id and secret':
    agreesOnDiscoveryAndCluster,
  'lists static peers as they run: one founder, then each node the ones before it':
    listsPeersAsTheyRun,
  'finds peers through a store it waits for, expecting as many nodes as it starts':
    findsPeersThroughTheStore,
};
