import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadNodeConfig } from '@falconmind/config';
import {
  ComposeCheck,
  agreesOnDiscoveryAndCluster,
  declaresAHealthCheckOnEveryService,
  findsPeersThroughTheStore,
  givesEachNodeItsOwnDatabase,
  givesEachNodeItsOwnId,
  listsPeersAsTheyRun,
  mountsVolumesThatExist,
  namesOnlyKnownVariables,
  nodesAcceptTheirEnvironment,
  parseDeployment,
  probesNodesAsTheImageDoes,
  publishesEachHostPortOnce,
  waitsForHealthyDependencies,
} from './compose-checks';
import { DOCKER_DIR } from './compose-file';
import { CONFIG_VARIABLES, unknownVariables } from './config-variables';

const composeText = (file: string) => readFileSync(path.join(DOCKER_DIR, file), 'utf8');

/** Replaces `from` (which must occur exactly `count` times) in a real compose file's text. */
function edited(file: string, from: string, to: string, count = 1): string {
  const text = composeText(file);
  assert.equal(text.split(from).length - 1, count, `${file}: ${JSON.stringify(from)} occurrences`);
  return text.replaceAll(from, to);
}

/** The problems `check` finds in a mistake made on purpose: each check must catch its own. */
function problemsIn(text: string, check: ComposeCheck): string[] {
  return check(parseDeployment(text, {}));
}

describe('the configuration variables the deployment checks know', () => {
  it('are read from the configuration code, every discovery kind included', () => {
    for (const name of [
      'NODE_ID',
      'NODE_ADDRESS',
      'NODE_PORT',
      'RAFT_PORT',
      'ADVERTISE_ADDRESS',
      'PEER_NODES',
      'DATABASE_URL',
      'DATA_DIR',
      'CLUSTER_ID',
      'CLUSTER_SECRET',
      'DISCOVERY',
      'ETCD_ENDPOINTS',
      'ETCD_USERNAME',
      'ETCD_PASSWORD',
      'ETCD_CA_FILE',
      'ETCD_CERT_FILE',
      'ETCD_KEY_FILE',
      'CONSUL_HTTP_ADDR',
      'CONSUL_HTTP_TOKEN',
      'BOOTSTRAP_EXPECT',
      'LOG_LEVEL',
    ]) {
      assert.ok(CONFIG_VARIABLES.has(name), name);
    }
  });

  it('do not include a misspelling, which the node itself would silently ignore', () => {
    // The reason for the check: the node starts, with the default endpoint instead.
    const config = loadNodeConfig({
      NODE_ID: 'node1',
      DISCOVERY: 'etcd',
      ETCD_ENDPOINT: 'http://etcd:2379',
    });
    assert.deepEqual(config.discovery.kind === 'etcd' && config.discovery.endpoints, [
      'http://127.0.0.1:2379',
    ]);
    assert.deepEqual(unknownVariables(['ETCD_ENDPOINT', 'ETCD_ENDPOINTS', 'NODE_ENV']), [
      'ETCD_ENDPOINT',
    ]);
  });
});

describe('each deployment check catches the mistake it is for', () => {
  it('a misspelt variable (ETCD_ENDPOINT)', () => {
    const text = edited('compose.etcd.yml', 'ETCD_ENDPOINTS:', 'ETCD_ENDPOINT:');
    assert.deepEqual(problemsIn(text, namesOnlyKnownVariables), [
      'node1: ETCD_ENDPOINT is not a variable the node reads (a misspelling?)',
      'node2: ETCD_ENDPOINT is not a variable the node reads (a misspelling?)',
      'node3: ETCD_ENDPOINT is not a variable the node reads (a misspelling?)',
    ]);
  });

  it('a value the node refuses (a short CLUSTER_SECRET)', () => {
    const text = composeText('compose.consul.yml');
    const problems = parseDeployment(text, { CLUSTER_SECRET: 'too-short' }).nodes.map(
      (node) => node.refusal,
    );
    assert.equal(problems.length, 3);
    for (const refusal of problems) assert.match(refusal ?? '', /CLUSTER_SECRET.*at least 16/);
    assert.equal(
      nodesAcceptTheirEnvironment(parseDeployment(text, { CLUSTER_SECRET: 'too-short' })).length,
      3,
    );
  });

  it('a node id used twice', () => {
    const text = edited('compose.consul.yml', 'NODE_ID: node3', 'NODE_ID: node2');
    assert.deepEqual(problemsIn(text, givesEachNodeItsOwnId), [
      "node3: NODE_ID node2 is node2's too",
    ]);
  });

  it('a host port published twice', () => {
    const text = edited('compose.etcd.yml', "'127.0.0.1:8892:8888'", "'8890:8888'");
    assert.deepEqual(problemsIn(text, publishesEachHostPortOnce), [
      'node3: host port 8890/tcp is published by node2 too',
    ]);
  });

  it('a service without a health check, waited for as if it had one', () => {
    const text = edited(
      'compose.consul.yml',
      "test: ['CMD-SHELL', 'consul operator raft list-peers | grep -q leader']",
      "test: ['NONE']",
    );
    assert.deepEqual(problemsIn(text, declaresAHealthCheckOnEveryService), [
      'consul: no health check',
    ]);
    assert.deepEqual(problemsIn(text, waitsForHealthyDependencies), [
      'node1: waits for consul to be healthy, but it has no health check',
      'node2: waits for consul to be healthy, but it has no health check',
      'node3: waits for consul to be healthy, but it has no health check',
    ]);
  });

  it('a dependency that is only started, not healthy', () => {
    const text = edited(
      'compose.static.yml',
      'condition: service_healthy',
      'condition: service_started',
    );
    assert.deepEqual(problemsIn(text, waitsForHealthyDependencies), [
      'node1: waits for postgres with service_started, not service_healthy',
      'node2: waits for postgres with service_started, not service_healthy',
      'node3: waits for postgres with service_started, not service_healthy',
    ]);
  });

  it("a node health check that drifted from the image's", () => {
    const text = edited('compose.static.yml', "'/health/live'", "'/health/ready'");
    assert.equal(problemsIn(text, probesNodesAsTheImageDoes).length, 3);
  });

  it('two nodes on one database, and a database the init script does not create', () => {
    const text = edited(
      'compose.consul.yml',
      '@postgres:5432/falconmind_node3',
      '@postgres:5432/falconmind_node2',
    );
    assert.deepEqual(problemsIn(text, givesEachNodeItsOwnDatabase), [
      'node3: shares the database postgres:5432/falconmind_node2 with node2',
    ]);
    const unlisted = edited(
      'compose.consul.yml',
      'falconmind_node2 falconmind_node3',
      'falconmind_node2',
    );
    assert.deepEqual(problemsIn(unlisted, givesEachNodeItsOwnDatabase), [
      'node3: falconmind_node3 is not among the databases postgres creates',
    ]);
  });

  it('a database password that differs from the one the server sets', () => {
    const text = edited(
      'compose.etcd.yml',
      'FALCONMIND_DB_PASSWORD: ${FALCONMIND_DB_PASSWORD:-falconmind}',
      'FALCONMIND_DB_PASSWORD: ${FALCONMIND_DB_PASSWORD:-another}',
    );
    assert.deepEqual(problemsIn(text, givesEachNodeItsOwnDatabase), [
      'node1: the password of falconmind in DATABASE_URL is not the one postgres sets',
      'node2: the password of falconmind in DATABASE_URL is not the one postgres sets',
      'node3: the password of falconmind in DATABASE_URL is not the one postgres sets',
    ]);
  });

  it('a data volume shared, one not declared, and a bind-mounted path that does not exist', () => {
    const shared = edited(
      'compose.etcd.yml',
      '- node3-data:/var/lib/falconmind',
      '- node2-data:/var/lib/falconmind',
    );
    assert.deepEqual(problemsIn(shared, mountsVolumesThatExist), [
      'node3: shares the volume node2-data with node2',
    ]);
    const undeclared = edited('compose.etcd.yml', '  node3-data:\n', '');
    assert.deepEqual(problemsIn(undeclared, mountsVolumesThatExist), [
      'node3: the volume node3-data is not declared under volumes:',
    ]);
    const missing = edited('compose.etcd.yml', './postgres-init:', './postgres-initdb:');
    assert.deepEqual(problemsIn(missing, mountsVolumesThatExist), [
      'postgres: mounts ./postgres-initdb, which does not exist beside the file',
    ]);
  });

  it('a node of another cluster', () => {
    const text = edited(
      'compose.consul.yml',
      '      NODE_ID: node3\n',
      '      NODE_ID: node3\n      CLUSTER_ID: elsewhere\n',
    );
    assert.deepEqual(problemsIn(text, agreesOnDiscoveryAndCluster), [
      "node3: its CLUSTER_ID differs from node1's",
    ]);
  });

  it('static peers at a wrong port, a node left out, and two founders', () => {
    const wrongPort = edited(
      'compose.static.yml',
      '{"node_id":"node2","address":"node2","port":8888}',
      '{"node_id":"node2","address":"node2","port":8890}',
    );
    assert.deepEqual(problemsIn(wrongPort, listsPeersAsTheyRun), [
      'node3: PEER_NODES gives node2 ports 8890/8891; it listens on 8888/8889',
    ]);
    const leftOut = edited(
      'compose.static.yml',
      `'[{"node_id":"node1","address":"node1","port":8888},{"node_id":"node2","address":"node2","port":8888}]'`,
      `'[{"node_id":"node1","address":"node1","port":8888}]'`,
    );
    assert.deepEqual(problemsIn(leftOut, listsPeersAsTheyRun), [
      'node3: PEER_NODES leaves out node2, started before it',
    ]);
    const twoFounders = edited(
      'compose.static.yml',
      `      PEER_NODES: '[{"node_id":"node1","address":"node1","port":8888}]'\n`,
      '',
    );
    assert.deepEqual(problemsIn(twoFounders, listsPeersAsTheyRun), [
      '2 nodes start without PEER_NODES (node1, node2); exactly one founds the cluster',
    ]);
  });

  it('a BOOTSTRAP_EXPECT other than the number of nodes, and a node advertised at another name', () => {
    const expectTwo = edited(
      'compose.consul.yml',
      "BOOTSTRAP_EXPECT: '3'",
      "BOOTSTRAP_EXPECT: '2'",
    );
    assert.deepEqual(problemsIn(expectTwo, findsPeersThroughTheStore), [
      'node1: BOOTSTRAP_EXPECT is 2, but the file starts 3 nodes',
      'node2: BOOTSTRAP_EXPECT is 2, but the file starts 3 nodes',
      'node3: BOOTSTRAP_EXPECT is 2, but the file starts 3 nodes',
    ]);
    const advertised = edited(
      'compose.etcd.yml',
      'ADVERTISE_ADDRESS: node2',
      'ADVERTISE_ADDRESS: node-2',
    );
    assert.deepEqual(problemsIn(advertised, findsPeersThroughTheStore), [
      'node2: ADVERTISE_ADDRESS is node-2, not its service name node2',
    ]);
  });

  it('a discovery store that is not in the file, or not waited for', () => {
    const elsewhere = edited(
      'compose.etcd.yml',
      'ETCD_ENDPOINTS: http://etcd:2379',
      'ETCD_ENDPOINTS: http://etcd-0:2379',
    );
    assert.equal(problemsIn(elsewhere, findsPeersThroughTheStore).length, 3);
    const notWaited = edited(
      'compose.consul.yml',
      '    consul:\n      condition: service_healthy\n',
      '',
    );
    assert.deepEqual(problemsIn(notWaited, findsPeersThroughTheStore), [
      'node1: does not wait for its consul store consul to be healthy',
      'node2: does not wait for its consul store consul to be healthy',
      'node3: does not wait for its consul store consul to be healthy',
    ]);
  });
});
