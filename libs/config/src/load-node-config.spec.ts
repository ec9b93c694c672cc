import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ConfigValidationError } from './config-validation-error';
import { loadNodeConfig } from './load-node-config';
import { NodeConfig } from './node-config';

/** The lines `loadNodeConfig` fails with for `env`; fails the test if it does not throw. */
function problemLines(env: Record<string, string>): string[] {
  try {
    loadNodeConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigValidationError, `unexpected error: ${String(error)}`);
    const lines = error.message.split('\n');
    assert.equal(lines.length, error.problems.length);
    return lines;
  }
  assert.fail(`accepted ${JSON.stringify(env)}`);
}

const ID = 'a node id of 1 to 64 characters from [A-Za-z0-9._-]';
const PORT = 'an integer port in 1..65535';
const HOST = 'an IPv4 or IPv6 address (without brackets) or a hostname';
const PEERS = '[{"node_id":"node2","address":"192.168.1.11","port":8888}]';

describe('loadNodeConfig: one line per bad variable', () => {
  const cases: Array<[env: Record<string, string>, line: string]> = [
    [{ NODE_ID: 'node 1' }, `config: NODE_ID="node 1" is invalid: expected ${ID}`],
    [{ NODE_ID: 'n'.repeat(65) }, `config: NODE_ID="${'n'.repeat(65)}" is invalid: expected ${ID}`],
    [
      { PEER_NODES: PEERS },
      `config: NODE_ID is not set: expected ${ID} (required once PEER_NODES lists peers)`,
    ],
    [
      { NODE_ADDRESS: '300.1.1.1' },
      `config: NODE_ADDRESS="300.1.1.1" is invalid: expected ${HOST}`,
    ],
    [{ NODE_ADDRESS: 'my host' }, `config: NODE_ADDRESS="my host" is invalid: expected ${HOST}`],
    [{ NODE_ADDRESS: '[::1]' }, `config: NODE_ADDRESS="[::1]" is invalid: expected ${HOST}`],
    [{ NODE_PORT: 'abc' }, `config: NODE_PORT="abc" is invalid: expected ${PORT}`],
    [{ NODE_PORT: '0' }, `config: NODE_PORT="0" is invalid: expected ${PORT}`],
    [{ NODE_PORT: '65536' }, `config: NODE_PORT="65536" is invalid: expected ${PORT}`],
    [{ NODE_PORT: '80.5' }, `config: NODE_PORT="80.5" is invalid: expected ${PORT}`],
    [{ NODE_PORT: '-1' }, `config: NODE_PORT="-1" is invalid: expected ${PORT}`],
    [{ NODE_PORT: '1e3' }, `config: NODE_PORT="1e3" is invalid: expected ${PORT}`],
    [{ RAFT_PORT: 'raft' }, `config: RAFT_PORT="raft" is invalid: expected ${PORT}`],
    [
      { RAFT_PORT: '8888' },
      'config: RAFT_PORT="8888" is invalid: expected a port other than NODE_PORT (8888, the default)',
    ],
    [
      { NODE_PORT: '9000', RAFT_PORT: '9000' },
      'config: RAFT_PORT="9000" is invalid: expected a port other than NODE_PORT (9000)',
    ],
    [
      { NODE_PORT: '65535' },
      `config: RAFT_PORT is not set: expected ${PORT} (the default NODE_PORT + 1 = 65536 is too large)`,
    ],
    [
      { ADVERTISE_ADDRESS: '0.0.0.0' },
      'config: ADVERTISE_ADDRESS="0.0.0.0" is invalid: expected an address peers can reach, not a wildcard like 0.0.0.0 or ::',
    ],
    [
      { ADVERTISE_ADDRESS: '::' },
      'config: ADVERTISE_ADDRESS="::" is invalid: expected an address peers can reach, not a wildcard like 0.0.0.0 or ::',
    ],
    [
      { ADVERTISE_ADDRESS: 'peer!' },
      `config: ADVERTISE_ADDRESS="peer!" is invalid: expected ${HOST}`,
    ],
    [
      { DATABASE_URL: 'mysql://falcon:s3cret@db:3306/fleet' },
      'config: DATABASE_URL="mysql://falcon:***@db:3306/fleet" is invalid: expected a postgres:// or postgresql:// URL',
    ],
    [
      { DATABASE_URL: 'localhost:5432' },
      'config: DATABASE_URL="localhost:5432" is invalid: expected a postgres:// or postgresql:// URL',
    ],
    [
      { DATA_DIR: 'data\0x' },
      'config: DATA_DIR="data\\u0000x" is invalid: expected a directory path without NUL characters',
    ],
    [
      { CLUSTER_ID: 'fleet/eu' },
      'config: CLUSTER_ID="fleet/eu" is invalid: expected a cluster id of 1 to 64 characters from [A-Za-z0-9._-]',
    ],
    [
      { CLUSTER_SECRET: 'hunter2' },
      'config: CLUSTER_SECRET="*******" is invalid: expected at least 16 characters',
    ],
    [
      { RAFT_TICK_MS: '9' },
      'config: RAFT_TICK_MS="9" is invalid: expected an integer number of milliseconds in 10..10000',
    ],
    [
      { RAFT_TICK_MS: '10001' },
      'config: RAFT_TICK_MS="10001" is invalid: expected an integer number of milliseconds in 10..10000',
    ],
    [
      { RAFT_ELECTION_TICKS: '1' },
      'config: RAFT_ELECTION_TICKS="1" is invalid: expected an integer number of ticks in 2..10000',
    ],
    [
      { RAFT_HEARTBEAT_TICKS: '0' },
      'config: RAFT_HEARTBEAT_TICKS="0" is invalid: expected an integer number of ticks in 1..10000',
    ],
    [
      { RAFT_HEARTBEAT_TICKS: '10' },
      'config: RAFT_HEARTBEAT_TICKS="10" is invalid: expected fewer ticks than RAFT_ELECTION_TICKS (10, the default): a leader must heartbeat before followers time out',
    ],
    [
      { RAFT_ELECTION_TICKS: '5', RAFT_HEARTBEAT_TICKS: '7' },
      'config: RAFT_HEARTBEAT_TICKS="7" is invalid: expected fewer ticks than RAFT_ELECTION_TICKS (5): a leader must heartbeat before followers time out',
    ],
    [
      { RAFT_LOG_STORE: 'sqlite' },
      'config: RAFT_LOG_STORE="sqlite" is invalid: expected one of file, postgres',
    ],
    [
      { SNAPSHOT_THRESHOLD: '9' },
      'config: SNAPSHOT_THRESHOLD="9" is invalid: expected an integer number of log entries, at least 10',
    ],
    [
      { TELEMETRY_WINDOW: '0' },
      'config: TELEMETRY_WINDOW="0" is invalid: expected an integer number of samples per UAV in 1..10000',
    ],
    [
      { TELEMETRY_WINDOW: '500', TELEMETRY_MAX_SAMPLES: '499' },
      'config: TELEMETRY_MAX_SAMPLES="499" is invalid: expected an integer number of samples, all UAVs together, in 500..100000000 (at least TELEMETRY_WINDOW)',
    ],
    [
      { EVENTS_MAX_SUBSCRIBERS: '0' },
      'config: EVENTS_MAX_SUBSCRIBERS="0" is invalid: expected an integer number of streams in 1..1000000',
    ],
    [
      { READ_CACHE_ENTRIES: '-1' },
      'config: READ_CACHE_ENTRIES="-1" is invalid: expected an integer number of records in 0..1000000 (0: no cache)',
    ],
    [
      { UAV_SYNC_INTERVAL_MS: '10' },
      'config: UAV_SYNC_INTERVAL_MS="10" is invalid: expected an integer number of milliseconds in 50..600000',
    ],
    [
      { UAV_OFFLINE_AFTER_S: 'soon' },
      'config: UAV_OFFLINE_AFTER_S="soon" is invalid: expected an integer number of seconds in 1..86400',
    ],
    [
      { LOG_LEVEL: 'verbose' },
      'config: LOG_LEVEL="verbose" is invalid: expected one of debug, info, warn, error',
    ],
  ];

  for (const [env, line] of cases) {
    it(`rejects ${JSON.stringify(env)}`, () => {
      assert.deepEqual(problemLines(env), [line]);
    });
  }

  it('reports every bad variable, in order, one line each', () => {
    assert.deepEqual(problemLines({ NODE_PORT: 'abc', LOG_LEVEL: 'loud', RAFT_TICK_MS: '5' }), [
      `config: NODE_PORT="abc" is invalid: expected ${PORT}`,
      'config: RAFT_TICK_MS="5" is invalid: expected an integer number of milliseconds in 10..10000',
      'config: LOG_LEVEL="loud" is invalid: expected one of debug, info, warn, error',
    ]);
  });

  it('exposes each problem as variable, value and expectation', () => {
    assert.throws(
      () => loadNodeConfig({ NODE_PORT: 'abc', CLUSTER_SECRET: 'short' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigValidationError);
        assert.deepEqual(error.problems, [
          { variable: 'NODE_PORT', value: 'abc', expected: PORT },
          { variable: 'CLUSTER_SECRET', value: '*****', expected: 'at least 16 characters' },
        ]);
        return true;
      },
    );
  });
});

describe('loadNodeConfig: defaults and accepted values', () => {
  it('runs alone on 127.0.0.1:8888 with nothing set', () => {
    assert.deepEqual(loadNodeConfig({}), {
      nodeId: 'node-1',
      nodeAddress: '127.0.0.1',
      nodePort: 8888,
      raftPort: 8889,
      advertiseAddress: '127.0.0.1',
      peers: [],
      discovery: { kind: 'static' },
      bootstrapExpect: undefined,
      discoveryTimeScale: 1,
      peerRoutes: {},
      databaseUrl: undefined,
      dataDir: './data/node-1',
      clusterId: 'falconmind',
      clusterSecret: undefined,
      raftTickMs: 100,
      raftElectionTicks: 10,
      raftHeartbeatTicks: 1,
      snapshotThreshold: 10000,
      raftLogStore: 'file',
      uavSyncIntervalMs: 1000,
      uavOfflineAfterS: 60,
      telemetryWindow: 120,
      telemetryMaxSamples: 1_000_000,
      eventsMaxSubscribers: 2_000,
      readCacheEntries: 10_000,
      mqtt: undefined,
      logLevel: 'info',
      plantedBug: undefined,
    } satisfies NodeConfig);
  });

  it('treats blank variables as unset', () => {
    const blank = Object.fromEntries(
      ['NODE_ID', 'NODE_PORT', 'RAFT_PORT', 'PEER_NODES', 'CLUSTER_SECRET', 'LOG_LEVEL'].map(
        (name) => [name, '  '],
      ),
    );
    assert.deepEqual(loadNodeConfig(blank), loadNodeConfig({}));
  });

  it('reads every variable', () => {
    const config = loadNodeConfig({
      NODE_ID: 'node1',
      NODE_ADDRESS: '10.0.0.5',
      NODE_PORT: '9000',
      RAFT_PORT: '9100',
      ADVERTISE_ADDRESS: 'node1.fleet.internal',
      PEER_NODES: '[{"node_id":"node2","address":"10.0.0.6","port":9000,"raft_port":9100}]',
      DATABASE_URL: 'postgresql://falcon:pw@db:5432/node1',
      DATA_DIR: '/var/lib/falconmind',
      CLUSTER_ID: 'eu-west.1',
      CLUSTER_SECRET: ' sixteen chars!! ',
      RAFT_TICK_MS: '50',
      RAFT_ELECTION_TICKS: '20',
      RAFT_HEARTBEAT_TICKS: '2',
      SNAPSHOT_THRESHOLD: '500',
      RAFT_LOG_STORE: 'Postgres',
      UAV_SYNC_INTERVAL_MS: '250',
      UAV_OFFLINE_AFTER_S: '5',
      TELEMETRY_WINDOW: '30',
      TELEMETRY_MAX_SAMPLES: '40000',
      EVENTS_MAX_SUBSCRIBERS: '50',
      READ_CACHE_ENTRIES: '0',
      LOG_LEVEL: 'DEBUG',
    });
    assert.deepEqual(config, {
      nodeId: 'node1',
      nodeAddress: '10.0.0.5',
      nodePort: 9000,
      raftPort: 9100,
      advertiseAddress: 'node1.fleet.internal',
      peers: [{ nodeId: 'node2', address: '10.0.0.6', port: 9000, raftPort: 9100 }],
      discovery: { kind: 'static' },
      bootstrapExpect: undefined,
      discoveryTimeScale: 1,
      peerRoutes: {},
      databaseUrl: 'postgresql://falcon:pw@db:5432/node1',
      dataDir: '/var/lib/falconmind',
      clusterId: 'eu-west.1',
      clusterSecret: ' sixteen chars!! ',
      raftTickMs: 50,
      raftElectionTicks: 20,
      raftHeartbeatTicks: 2,
      snapshotThreshold: 500,
      raftLogStore: 'postgres',
      uavSyncIntervalMs: 250,
      uavOfflineAfterS: 5,
      telemetryWindow: 30,
      telemetryMaxSamples: 40_000,
      eventsMaxSubscribers: 50,
      readCacheEntries: 0,
      mqtt: undefined,
      logLevel: 'debug',
      plantedBug: undefined,
    } satisfies NodeConfig);
  });

  it('defaults RAFT_PORT to NODE_PORT + 1 and DATA_DIR to ./data/<NODE_ID>', () => {
    const config = loadNodeConfig({ NODE_ID: 'node7', NODE_PORT: '7000' });
    assert.equal(config.raftPort, 7001);
    assert.equal(config.dataDir, './data/node7');
  });

  const advertised: Array<[env: Record<string, string>, advertise: string | undefined]> = [
    [{ NODE_ADDRESS: '10.0.0.5' }, '10.0.0.5'],
    [{ NODE_ADDRESS: 'fleet-node_1' }, 'fleet-node_1'],
    [{ NODE_ADDRESS: '0.0.0.0' }, undefined],
    [{ NODE_ADDRESS: '::' }, undefined],
    [{ NODE_ADDRESS: '0:0::0' }, undefined],
    [{ NODE_ADDRESS: '::', ADVERTISE_ADDRESS: 'fe80::1' }, 'fe80::1'],
    [{ NODE_ADDRESS: '0.0.0.0', ADVERTISE_ADDRESS: '192.168.1.10' }, '192.168.1.10'],
  ];
  for (const [env, advertise] of advertised) {
    it(`advertises ${String(advertise)} for ${JSON.stringify(env)}`, () => {
      assert.equal(loadNodeConfig(env).advertiseAddress, advertise);
    });
  }

  it('returns a frozen configuration', () => {
    const config = loadNodeConfig({ NODE_ID: 'node1', PEER_NODES: PEERS });
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.peers));
    assert.ok(Object.isFrozen(config.peers[0]));
  });
});
