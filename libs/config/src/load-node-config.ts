import { ConfigProblem, ConfigValidationError } from './config-validation-error';
import { parseBootstrapExpect, parseDiscoveryConfig } from './discovery-config';
import { parseMqttConfig } from './mqtt-config';
import {
  LOG_LEVELS,
  RAFT_LOG_STORES,
  RaftLogStoreKind,
  LogLevel,
  NODE_CONFIG_DEFAULTS,
  NodeConfig,
  PLANTED_NODE_BUGS,
  PlantedNodeBug,
} from './node-config';
import { parsePeerNodes } from './peer-nodes';
import { parsePeerRoutes } from './peer-routes';
import {
  HOST_EXPECTED,
  ID_EXPECTED,
  PORT_EXPECTED,
  ReportProblem,
  isHost,
  isId,
  isPort,
  isWildcard,
  parseDigits,
} from './validators';

/** The environment to read, e.g. `process.env`. */
export type Environment = Readonly<Record<string, string | undefined>>;

const MIN_SECRET_LENGTH = 16;

/** Masks the password of a connection URL so that it never reaches a log. */
function maskPassword(url: string): string {
  return url.replace(/^([^:/]*:\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

/**
 * Reads and validates the node's configuration (see {@link NodeConfig} for each variable, its unit
 * and its default). Blank variables count as unset.
 *
 * @throws ConfigValidationError listing every bad variable, one line each.
 */
export function loadNodeConfig(env: Environment): NodeConfig {
  const problems: ConfigProblem[] = [];
  const report: ReportProblem = (variable, value, expected) => {
    problems.push({ variable, value, expected });
  };
  const text = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };

  /** An integer variable in min..max: its default when unset, `undefined` when bad. */
  const integer = (name: string, min: number, max: number, fallback: number, expected: string) => {
    const value = text(name);
    if (value === undefined) return fallback;
    const parsed = parseDigits(value);
    if (parsed !== undefined && parsed >= min && parsed <= max) return parsed;
    report(name, value, expected);
    return undefined;
  };

  const host = (name: string, fallback: string | undefined): string | undefined => {
    const value = text(name);
    if (value === undefined) return fallback;
    if (isHost(value)) return value;
    report(name, value, HOST_EXPECTED);
    return undefined;
  };

  // Identity. NODE_ID is read before PEER_NODES but its default depends on it.
  const rawNodeId = text('NODE_ID');
  const rawPeers = text('PEER_NODES');
  let nodeId: string | undefined = rawNodeId ?? NODE_CONFIG_DEFAULTS.nodeId;
  if (rawNodeId === undefined) {
    const listsPeers = rawPeers !== undefined && !/^\[\s*\]$/.test(rawPeers);
    if (listsPeers) {
      report(
        'NODE_ID',
        undefined,
        `a node id of ${ID_EXPECTED} (required once PEER_NODES lists peers)`,
      );
      nodeId = undefined;
    }
  } else if (!isId(rawNodeId)) {
    report('NODE_ID', rawNodeId, `a node id of ${ID_EXPECTED}`);
    nodeId = undefined;
  }

  // Listening and advertising.
  const nodeAddress = host('NODE_ADDRESS', NODE_CONFIG_DEFAULTS.nodeAddress);
  const nodePort = integer('NODE_PORT', 1, 65535, NODE_CONFIG_DEFAULTS.nodePort, PORT_EXPECTED);
  let raftPort: number | undefined;
  const rawRaftPort = text('RAFT_PORT');
  if (rawRaftPort !== undefined) {
    raftPort = integer('RAFT_PORT', 1, 65535, 0, PORT_EXPECTED);
    if (raftPort !== undefined && raftPort === nodePort) {
      const origin = text('NODE_PORT') === undefined ? ', the default' : '';
      report('RAFT_PORT', rawRaftPort, `a port other than NODE_PORT (${nodePort}${origin})`);
      raftPort = undefined;
    }
  } else if (nodePort !== undefined) {
    raftPort = nodePort + 1;
    if (!isPort(raftPort)) {
      report(
        'RAFT_PORT',
        undefined,
        `${PORT_EXPECTED} (the default NODE_PORT + 1 = ${nodePort + 1} is too large)`,
      );
      raftPort = undefined;
    }
  }

  const rawAdvertise = text('ADVERTISE_ADDRESS');
  let advertiseAddress = host('ADVERTISE_ADDRESS', undefined);
  if (advertiseAddress !== undefined && isWildcard(advertiseAddress)) {
    report(
      'ADVERTISE_ADDRESS',
      rawAdvertise,
      'an address peers can reach, not a wildcard like 0.0.0.0 or ::',
    );
    advertiseAddress = undefined;
  } else if (rawAdvertise === undefined && nodeAddress !== undefined && !isWildcard(nodeAddress)) {
    advertiseAddress = nodeAddress;
  }

  // Members. An entry for this node itself is dropped: every node may share one list.
  const listed = parsePeerNodes(rawPeers, report);
  const peers = listed?.filter((peer) => peer.nodeId !== nodeId);

  // Discovery: with etcd or Consul the peers come from the store, never from PEER_NODES.
  const discovery = parseDiscoveryConfig(text, report);
  if (discovery !== undefined && discovery.kind !== 'static') {
    if (rawNodeId === undefined) {
      report(
        'NODE_ID',
        undefined,
        `a node id of ${ID_EXPECTED} (required with DISCOVERY=${discovery.kind})`,
      );
    }
    if (peers !== undefined && peers.length > 0) {
      report(
        'PEER_NODES',
        rawPeers,
        `to be unset with DISCOVERY=${discovery.kind}: the peers are found through discovery`,
      );
    }
  }
  if (
    discovery !== undefined &&
    discovery.kind !== 'static' &&
    advertiseAddress === undefined &&
    rawAdvertise === undefined &&
    nodeAddress !== undefined
  ) {
    report(
      'ADVERTISE_ADDRESS',
      undefined,
      `an address peers can reach (required with DISCOVERY=${discovery.kind} when NODE_ADDRESS is a wildcard: the node announces it)`,
    );
  }
  const bootstrapExpect = parseBootstrapExpect(text, discovery, report);
  const rawTimeScale = text('DISCOVERY_TIME_SCALE');
  let discoveryTimeScale: number | undefined = 1;
  if (rawTimeScale !== undefined) {
    discoveryTimeScale = /^\d*\.?\d+$/.test(rawTimeScale) ? Number(rawTimeScale) : NaN;
    if (!(discoveryTimeScale >= 0.01 && discoveryTimeScale <= 1)) {
      report(
        'DISCOVERY_TIME_SCALE',
        rawTimeScale,
        "a number in 0.01..1 (1 = the design's durations)",
      );
      discoveryTimeScale = undefined;
    }
  }
  const peerRoutes = parsePeerRoutes(text('RAFT_PEER_ROUTES'), report);

  // Storage.
  const rawDatabaseUrl = text('DATABASE_URL');
  let databaseUrl = rawDatabaseUrl;
  if (rawDatabaseUrl !== undefined && !isPostgresUrl(rawDatabaseUrl)) {
    report('DATABASE_URL', maskPassword(rawDatabaseUrl), 'a postgres:// or postgresql:// URL');
    databaseUrl = undefined;
  }
  let dataDir = text('DATA_DIR');
  if (dataDir?.includes('\0')) {
    report('DATA_DIR', dataDir, 'a directory path without NUL characters');
    dataDir = undefined;
  } else if (dataDir === undefined && nodeId !== undefined) {
    dataDir = `./data/${nodeId}`;
  }

  // Cluster.
  let clusterId: string | undefined = text('CLUSTER_ID') ?? NODE_CONFIG_DEFAULTS.clusterId;
  if (!isId(clusterId)) {
    report('CLUSTER_ID', clusterId, `a cluster id of ${ID_EXPECTED}`);
    clusterId = undefined;
  }
  // Taken verbatim (not trimmed), and never shown: only its length is.
  const rawSecret = env.CLUSTER_SECRET;
  const clusterSecret = rawSecret?.trim() === '' ? undefined : rawSecret;
  if (clusterSecret !== undefined && [...clusterSecret].length < MIN_SECRET_LENGTH) {
    report(
      'CLUSTER_SECRET',
      '*'.repeat([...clusterSecret].length),
      `at least ${MIN_SECRET_LENGTH} characters`,
    );
  }

  // Raft timing.
  const raftTickMs = integer(
    'RAFT_TICK_MS',
    10,
    10_000,
    NODE_CONFIG_DEFAULTS.raftTickMs,
    'an integer number of milliseconds in 10..10000',
  );
  const raftElectionTicks = integer(
    'RAFT_ELECTION_TICKS',
    2,
    10_000,
    NODE_CONFIG_DEFAULTS.raftElectionTicks,
    'an integer number of ticks in 2..10000',
  );
  const raftHeartbeatTicks = integer(
    'RAFT_HEARTBEAT_TICKS',
    1,
    10_000,
    NODE_CONFIG_DEFAULTS.raftHeartbeatTicks,
    'an integer number of ticks in 1..10000',
  );
  if (
    raftElectionTicks !== undefined &&
    raftHeartbeatTicks !== undefined &&
    raftHeartbeatTicks >= raftElectionTicks
  ) {
    const origin = text('RAFT_ELECTION_TICKS') === undefined ? ', the default' : '';
    report(
      'RAFT_HEARTBEAT_TICKS',
      text('RAFT_HEARTBEAT_TICKS'),
      `fewer ticks than RAFT_ELECTION_TICKS (${raftElectionTicks}${origin}): a leader must heartbeat before followers time out`,
    );
  }
  const snapshotThreshold = integer(
    'SNAPSHOT_THRESHOLD',
    10,
    Number.MAX_SAFE_INTEGER,
    NODE_CONFIG_DEFAULTS.snapshotThreshold,
    'an integer number of log entries, at least 10',
  );

  const uavSyncIntervalMs = integer(
    'UAV_SYNC_INTERVAL_MS',
    50,
    600_000,
    NODE_CONFIG_DEFAULTS.uavSyncIntervalMs,
    'an integer number of milliseconds in 50..600000',
  );
  const uavOfflineAfterS = integer(
    'UAV_OFFLINE_AFTER_S',
    1,
    86_400,
    NODE_CONFIG_DEFAULTS.uavOfflineAfterS,
    'an integer number of seconds in 1..86400',
  );
  const telemetryWindow = integer(
    'TELEMETRY_WINDOW',
    1,
    10_000,
    NODE_CONFIG_DEFAULTS.telemetryWindow,
    'an integer number of samples per UAV in 1..10000',
  );
  const telemetryMaxSamples = integer(
    'TELEMETRY_MAX_SAMPLES',
    telemetryWindow ?? 1,
    100_000_000,
    NODE_CONFIG_DEFAULTS.telemetryMaxSamples,
    `an integer number of samples, all UAVs together, in ${telemetryWindow ?? 1}..100000000 (at least TELEMETRY_WINDOW)`,
  );
  const eventsMaxSubscribers = integer(
    'EVENTS_MAX_SUBSCRIBERS',
    1,
    1_000_000,
    NODE_CONFIG_DEFAULTS.eventsMaxSubscribers,
    'an integer number of streams in 1..1000000',
  );
  const readCacheEntries = integer(
    'READ_CACHE_ENTRIES',
    0,
    1_000_000,
    NODE_CONFIG_DEFAULTS.readCacheEntries,
    'an integer number of records in 0..1000000 (0: no cache)',
  );

  const mqtt = parseMqttConfig(text, report);

  const rawBug = text('FALCONMIND_PLANTED_BUG');
  if (rawBug !== undefined && !(PLANTED_NODE_BUGS as readonly string[]).includes(rawBug)) {
    report('FALCONMIND_PLANTED_BUG', rawBug, `unset, or one of ${PLANTED_NODE_BUGS.join(', ')}`);
  }
  const plantedBug = rawBug as PlantedNodeBug | undefined;

  const rawLogStore = text('RAFT_LOG_STORE');
  const raftLogStore = (rawLogStore?.toLowerCase() ??
    NODE_CONFIG_DEFAULTS.raftLogStore) as RaftLogStoreKind;
  if (!RAFT_LOG_STORES.includes(raftLogStore)) {
    report('RAFT_LOG_STORE', rawLogStore, `one of ${RAFT_LOG_STORES.join(', ')}`);
  }

  const rawLogLevel = text('LOG_LEVEL');
  const logLevel = (rawLogLevel?.toLowerCase() ?? NODE_CONFIG_DEFAULTS.logLevel) as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    report('LOG_LEVEL', rawLogLevel, `one of ${LOG_LEVELS.join(', ')}`);
  }

  if (problems.length > 0) throw new ConfigValidationError(problems);
  // No problem was reported, so every value above is set.
  return Object.freeze({
    nodeId: nodeId!,
    nodeAddress: nodeAddress!,
    nodePort: nodePort!,
    raftPort: raftPort!,
    advertiseAddress,
    peers: Object.freeze(peers!),
    discovery: discovery!,
    bootstrapExpect,
    discoveryTimeScale: discoveryTimeScale!,
    peerRoutes: peerRoutes!,
    databaseUrl,
    dataDir: dataDir!,
    clusterId: clusterId!,
    clusterSecret,
    raftTickMs: raftTickMs!,
    raftElectionTicks: raftElectionTicks!,
    raftHeartbeatTicks: raftHeartbeatTicks!,
    snapshotThreshold: snapshotThreshold!,
    raftLogStore,
    uavSyncIntervalMs: uavSyncIntervalMs!,
    uavOfflineAfterS: uavOfflineAfterS!,
    telemetryWindow: telemetryWindow!,
    telemetryMaxSamples: telemetryMaxSamples!,
    eventsMaxSubscribers: eventsMaxSubscribers!,
    readCacheEntries: readCacheEntries!,
    mqtt,
    logLevel,
    plantedBug,
  });
}

function isPostgresUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === 'postgres:' || protocol === 'postgresql:';
  } catch {
    return false;
  }
}
