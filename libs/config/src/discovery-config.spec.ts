import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ConfigValidationError } from './config-validation-error';
import { loadNodeConfig } from './load-node-config';

/** The problem lines `loadNodeConfig` fails with; fails the test if it accepts `env`. */
function problems(env: Record<string, string>): string[] {
  try {
    loadNodeConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigValidationError);
    return error.message.split('\n');
  }
  assert.fail(`accepted ${JSON.stringify(env)}`);
}

describe('loadNodeConfig: discovery', () => {
  it('defaults to static discovery without BOOTSTRAP_EXPECT', () => {
    const config = loadNodeConfig({});
    assert.deepEqual(config.discovery, { kind: 'static' });
    assert.equal(config.bootstrapExpect, undefined);
  });

  it('reads etcd endpoints, credentials and TLS files', () => {
    const config = loadNodeConfig({
      NODE_ID: 'n1',
      DISCOVERY: 'ETCD',
      ETCD_ENDPOINTS: 'http://10.0.0.1:2379, https://etcd.internal:2379/',
      ETCD_USERNAME: 'falcon',
      ETCD_PASSWORD: 'secret',
      ETCD_CA_FILE: '/etc/ca.pem',
      BOOTSTRAP_EXPECT: '3',
    });
    assert.deepEqual(config.discovery, {
      kind: 'etcd',
      endpoints: ['http://10.0.0.1:2379', 'https://etcd.internal:2379'],
      username: 'falcon',
      password: 'secret',
      tls: { caFile: '/etc/ca.pem', certFile: undefined, keyFile: undefined },
    });
    assert.equal(config.bootstrapExpect, 3);
  });

  it('defaults the etcd endpoint to the local member and Consul to the local agent', () => {
    const etcd = loadNodeConfig({ NODE_ID: 'n1', DISCOVERY: 'etcd' });
    assert.deepEqual(etcd.discovery.kind === 'etcd' && etcd.discovery.endpoints, [
      'http://127.0.0.1:2379',
    ]);
    const consul = loadNodeConfig({ NODE_ID: 'n1', DISCOVERY: 'consul' });
    assert.deepEqual(consul.discovery, {
      kind: 'consul',
      httpAddr: 'http://127.0.0.1:8500',
      token: undefined,
    });
  });

  it('needs an address to announce when the node listens on a wildcard', () => {
    assert.deepEqual(problems({ NODE_ID: 'n1', DISCOVERY: 'etcd', NODE_ADDRESS: '0.0.0.0' }), [
      'config: ADVERTISE_ADDRESS is not set: expected an address peers can reach (required with DISCOVERY=etcd when NODE_ADDRESS is a wildcard: the node announces it)',
    ]);
    const config = loadNodeConfig({
      NODE_ID: 'n1',
      DISCOVERY: 'etcd',
      NODE_ADDRESS: '0.0.0.0',
      ADVERTISE_ADDRESS: 'node1',
      DISCOVERY_TIME_SCALE: '0.1',
    });
    assert.equal(config.advertiseAddress, 'node1');
    assert.equal(config.discoveryTimeScale, 0.1);
    assert.match(problems({ DISCOVERY_TIME_SCALE: '2' })[0], /DISCOVERY_TIME_SCALE="2" is invalid/);
  });

  it('reads a Consul address with or without a scheme, and the token', () => {
    const config = loadNodeConfig({
      NODE_ID: 'n1',
      DISCOVERY: 'consul',
      CONSUL_HTTP_ADDR: 'consul:8500',
      CONSUL_HTTP_TOKEN: 'abc',
    });
    assert.deepEqual(config.discovery, {
      kind: 'consul',
      httpAddr: 'http://consul:8500',
      token: 'abc',
    });
  });

  const refused: Array<[env: Record<string, string>, line: string]> = [
    [
      { DISCOVERY: 'zookeeper' },
      'config: DISCOVERY="zookeeper" is invalid: expected one of static, etcd, consul',
    ],
    [
      { DISCOVERY: 'etcd' },
      'config: NODE_ID is not set: expected a node id of 1 to 64 characters from [A-Za-z0-9._-] (required with DISCOVERY=etcd)',
    ],
    [
      { NODE_ID: 'n1', DISCOVERY: 'etcd', ETCD_ENDPOINTS: 'etcd:2379' },
      'config: ETCD_ENDPOINTS="etcd:2379" is invalid: expected a comma-separated list of http(s)://host:port URLs of etcd members',
    ],
    [
      { NODE_ID: 'n1', DISCOVERY: 'etcd', ETCD_USERNAME: 'falcon' },
      'config: ETCD_PASSWORD is not set: expected to be set as well: ETCD_USERNAME and ETCD_PASSWORD go together',
    ],
    [
      { NODE_ID: 'n1', DISCOVERY: 'etcd', ETCD_KEY_FILE: '/k.pem' },
      'config: ETCD_CERT_FILE is not set: expected to be set as well: ETCD_CERT_FILE and ETCD_KEY_FILE go together',
    ],
    [
      { NODE_ID: 'n1', DISCOVERY: 'consul', CONSUL_HTTP_ADDR: 'ftp://consul:21' },
      'config: CONSUL_HTTP_ADDR="ftp://consul:21" is invalid: expected host:port or an http(s)://host:port URL of a Consul agent',
    ],
    [
      { NODE_ID: 'n1', DISCOVERY: 'consul', ETCD_ENDPOINTS: 'http://e:2379' },
      'config: ETCD_ENDPOINTS="http://e:2379" is invalid: expected to be unset: DISCOVERY=consul does not use it',
    ],
    [
      { CONSUL_HTTP_ADDR: 'consul:8500' },
      'config: CONSUL_HTTP_ADDR="consul:8500" is invalid: expected to be unset: DISCOVERY=static does not use it',
    ],
    [
      {
        NODE_ID: 'n1',
        DISCOVERY: 'consul',
        PEER_NODES: '[{"node_id":"n2","address":"10.0.0.2","port":8888}]',
      },
      'config: PEER_NODES="[{\\"node_id\\":\\"n2\\",\\"address\\":\\"10.0.0.2\\",\\"port\\":8888}]" is invalid: expected to be unset with DISCOVERY=consul: the peers are found through discovery',
    ],
    [
      { NODE_ID: 'n1', DISCOVERY: 'etcd', BOOTSTRAP_EXPECT: '0' },
      'config: BOOTSTRAP_EXPECT="0" is invalid: expected an integer number of nodes in 1..9',
    ],
    [
      { BOOTSTRAP_EXPECT: '3' },
      'config: BOOTSTRAP_EXPECT="3" is invalid: expected to be unset with DISCOVERY=static (PEER_NODES names the members); set DISCOVERY=etcd or consul',
    ],
  ];
  for (const [env, line] of refused) {
    it(`refuses ${JSON.stringify(env)}`, () => {
      assert.deepEqual(problems(env), [line]);
    });
  }
});

describe('loadNodeConfig: RAFT_PEER_ROUTES and FALCONMIND_PLANTED_BUG', () => {
  it('reads routes to peers', () => {
    const config = loadNodeConfig({
      RAFT_PEER_ROUTES: '{"node-2":"127.0.0.1:4001","node-3":"[::1]:4002"}',
    });
    assert.deepEqual(config.peerRoutes, {
      'node-2': { host: '127.0.0.1', port: 4001 },
      'node-3': { host: '::1', port: 4002 },
    });
    assert.deepEqual(loadNodeConfig({}).peerRoutes, {});
  });

  for (const raw of ['[]', '{"n2":"host"}', '{"n2":"h:99999"}', '{"bad id":"h:1"}', 'nope']) {
    it(`refuses RAFT_PEER_ROUTES=${raw}`, () => {
      const [line] = problems({ RAFT_PEER_ROUTES: raw });
      assert.match(line, /^config: RAFT_PEER_ROUTES=.* is invalid: expected a JSON object/);
    });
  }

  it('knows the planted bugs and refuses others', () => {
    assert.equal(loadNodeConfig({ FALCONMIND_PLANTED_BUG: 'stale-read' }).plantedBug, 'stale-read');
    assert.deepEqual(problems({ FALCONMIND_PLANTED_BUG: 'eat-data' }), [
      'config: FALCONMIND_PLANTED_BUG="eat-data" is invalid: expected unset, or one of stale-read',
    ]);
  });
});
