import type { DiscoveryConfig } from './discovery-config';
import type { MqttConfig } from './mqtt-config';

/** Verbosity of the node's log, from least to most selective. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Where a node keeps its Raft log: a file under DATA_DIR, or tables in its database. */
export const RAFT_LOG_STORES = ['file', 'postgres'] as const;
export type RaftLogStoreKind = (typeof RAFT_LOG_STORES)[number];

/**
 * Faults a node can be told to commit on purpose, so that the chaos harness proves it catches them.
 * `stale-read`: linearizable reads are answered locally, without ReadIndex.
 */
export const PLANTED_NODE_BUGS = ['stale-read'] as const;
export type PlantedNodeBug = (typeof PLANTED_NODE_BUGS)[number];

/** Another member of the cluster, one element of `PEER_NODES`. */
export interface PeerNode {
  /** The peer's `NODE_ID` (`node_id`). */
  readonly nodeId: string;
  /** Address this node dials to reach the peer (`address`): an IP literal or a hostname. */
  readonly address: string;
  /** The peer's HTTP port (`port`). */
  readonly port: number;
  /** The peer's Raft port (`raft_port`). Default `port + 1`. */
  readonly raftPort: number;
}

/**
 * The cluster node's configuration, read from the environment by `loadNodeConfig` and validated
 * once at start. An unset or blank variable takes its default. The object is frozen.
 */
export interface NodeConfig {
  /**
   * This node's identity in the cluster, from `NODE_ID`: 1 to 64 characters of `[A-Za-z0-9._-]`.
   * Default `node-1`, but only for a node running alone: once `PEER_NODES` lists peers it is
   * required, so that two members never share the default.
   */
  readonly nodeId: string;
  /** Interface the HTTP and Raft servers bind, from `NODE_ADDRESS`. Default `127.0.0.1`. */
  readonly nodeAddress: string;
  /** TCP port of the HTTP server (REST, health), from `NODE_PORT`. Default 8888. */
  readonly nodePort: number;
  /** TCP port of the Raft transport, from `RAFT_PORT`. Default `NODE_PORT + 1`; never `NODE_PORT`. */
  readonly raftPort: number;
  /**
   * Address peers use to reach this node, from `ADVERTISE_ADDRESS`. Default `NODE_ADDRESS`; when that
   * is a wildcard (`0.0.0.0`, `::`) and the variable is unset this is `undefined`: a joining node is
   * then recorded at the address its join request came from, and a founding node is reached at the
   * address the others list for it in `PEER_NODES`. Never a wildcard.
   */
  readonly advertiseAddress: string | undefined;
  /**
   * The other members, from `PEER_NODES`: a JSON list of `{"node_id","address","port"}` objects with
   * an optional `"raft_port"`. An entry whose `node_id` is this node's is dropped. Default: no peers.
   */
  readonly peers: readonly PeerNode[];
  /**
   * How the node finds its peers, from `DISCOVERY` (`static`, `etcd` or `consul`; default `static`)
   * and the variables of that kind (`ETCD_*`, `CONSUL_HTTP_*`). With etcd or Consul, `NODE_ID` is
   * required and `PEER_NODES` must be unset.
   */
  readonly discovery: DiscoveryConfig;
  /**
   * From `BOOTSTRAP_EXPECT` (1..9, etcd or Consul only): a fresh node waits until this many nodes are
   * registered, then exactly one initial membership is chosen. Unset: the node only joins a cluster
   * that already formed.
   */
  readonly bootstrapExpect: number | undefined;
  /**
   * From `DISCOVERY_TIME_SCALE` (0.01..1, default 1): multiplies the node's own discovery clocks
   * (the etcd lease TTL, Consul TTL passes and blocking waits, retries), not the check durations a
   * Consul agent runs itself. For tests against a store that scales its own clock the same way;
   * production keeps 1.
   */
  readonly discoveryTimeScale: number;
  /**
   * From `RAFT_PEER_ROUTES`: a JSON object `{"<node_id>": "host:port"}`. This node dials those Raft
   * addresses for those peers instead of the addresses the member list advertises (a proxy, a NAT,
   * or the chaos harness's fault-injecting links). Default: none.
   */
  readonly peerRoutes: Readonly<Record<string, { readonly host: string; readonly port: number }>>;
  /**
   * PostgreSQL connection URL (`postgres://` or `postgresql://`), from `DATABASE_URL`. `undefined`
   * means the embedded database, for development.
   */
  readonly databaseUrl: string | undefined;
  /** Directory for the node's local files, from `DATA_DIR`. Default `./data/<NODE_ID>`. */
  readonly dataDir: string;
  /** Name of the cluster, from `CLUSTER_ID`; same characters as `NODE_ID`. Default `falconmind`. */
  readonly clusterId: string;
  /** Shared secret of the members, from `CLUSTER_SECRET`: at least 16 characters. Default none. */
  readonly clusterSecret: string | undefined;
  /** Milliseconds of one Raft tick, from `RAFT_TICK_MS`: an integer in 10..10000. Default 100. */
  readonly raftTickMs: number;
  /**
   * Ticks a follower waits without hearing from a leader before it campaigns, from
   * `RAFT_ELECTION_TICKS`: an integer in 2..10000. Default 10, so one second at the default tick.
   * Must exceed `raftHeartbeatTicks`.
   */
  readonly raftElectionTicks: number;
  /** Ticks between the leader's heartbeats, from `RAFT_HEARTBEAT_TICKS`. Default 1. */
  readonly raftHeartbeatTicks: number;
  /** Log entries applied since the last snapshot that trigger a new one, from `SNAPSHOT_THRESHOLD`. At least 10; default 10000. */
  readonly snapshotThreshold: number;
  /**
   * From `RAFT_LOG_STORE`: `file` (default) keeps the Raft log, hard state and snapshot metadata in
   * `DATA_DIR/raft-log/raft.log`; `postgres` keeps them in the node's database (`raft_log`,
   * `raft_hard_state`, `raft_snapshot`), as nodes did before the file existed.
   */
  readonly raftLogStore: RaftLogStoreKind;
  /**
   * From `UAV_SYNC_INTERVAL_MS`: how often the UAV heartbeats and state reports this node received
   * are flushed through Raft, as one command. 50..600000; default 1000.
   */
  readonly uavSyncIntervalMs: number;
  /** From `UAV_OFFLINE_AFTER_S`: seconds without a heartbeat before the leader marks a UAV OFFLINE. Default 60. */
  readonly uavOfflineAfterS: number;
  /**
   * From `TELEMETRY_WINDOW`: how many recent telemetry samples this node keeps in memory per UAV (the
   * latest is kept besides). 1..10000; default 120.
   */
  readonly telemetryWindow: number;
  /**
   * From `TELEMETRY_MAX_SAMPLES`: telemetry samples this node keeps in memory at most, all UAVs
   * together (the UAVs heard from least recently are forgotten beyond it), so that memory is bounded
   * whatever the number of UAV ids. At least `TELEMETRY_WINDOW`, at most 100,000,000; default 1,000,000.
   */
  readonly telemetryMaxSamples: number;
  /**
   * From `EVENTS_MAX_SUBSCRIBERS`: live event streams (SSE and WebSocket together) this node serves
   * at most; one more is refused with a 503. 1..1000000; default 2000.
   */
  readonly eventsMaxSubscribers: number;
  /**
   * From `READ_CACHE_ENTRIES`: mission and UAV records a node keeps as read at its current applied
   * index, to answer reads by id without a query (any apply empties the cache). 0..1000000, 0
   * turns it off; default 10000.
   */
  readonly readCacheEntries: number;
  /** The UAV link's MQTT broker (`MQTT_URL`, `MQTT_TOPIC_ROOT`); undefined: no UAV link. */
  readonly mqtt: MqttConfig | undefined;
  /** From `LOG_LEVEL`: `debug`, `info`, `warn` or `error` (any case). Default `info`. */
  readonly logLevel: LogLevel;
  /**
   * From `FALCONMIND_PLANTED_BUG`, for tests only: makes the node break a guarantee on purpose
   * (see {@link PLANTED_NODE_BUGS}). Never set it in production.
   */
  readonly plantedBug: PlantedNodeBug | undefined;
}

/** The defaults of every variable that has a fixed one. */
export const NODE_CONFIG_DEFAULTS = {
  nodeId: 'node-1',
  nodeAddress: '127.0.0.1',
  nodePort: 8888,
  clusterId: 'falconmind',
  raftTickMs: 100,
  raftElectionTicks: 10,
  raftHeartbeatTicks: 1,
  snapshotThreshold: 10_000,
  raftLogStore: 'file',
  uavSyncIntervalMs: 1_000,
  uavOfflineAfterS: 60,
  telemetryWindow: 120,
  telemetryMaxSamples: 1_000_000,
  eventsMaxSubscribers: 2_000,
  readCacheEntries: 10_000,
  logLevel: 'info',
} as const satisfies Partial<NodeConfig>;
