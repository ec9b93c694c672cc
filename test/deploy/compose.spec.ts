import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { COMPOSE_CHECKS, parseDeployment } from './compose-checks';
import { DOCKER_DIR, composeFileNames } from './compose-file';
import { InterpolationEnvironment } from './compose-interpolation';

/**
 * No Docker engine runs where the tests run, so the deployment files are checked against what the
 * node itself accepts (its configuration code) and against what Compose would do with them
 * (interpolation, merge keys, start order, ports, volumes). docs/deploy.md describes the files.
 */

/**
 * Each file is checked as Compose would resolve it with nothing set, and with the variables an
 * operator is told to set (docs/deploy.md): both must give a consistent cluster, e.g. the database
 * password changed in the PostgreSQL service and in every node's DATABASE_URL alike.
 */
const ENVIRONMENTS: Readonly<Record<string, InterpolationEnvironment>> = {
  'with the defaults': {},
  'with the variables an operator sets': {
    CLUSTER_ID: 'fleet-west',
    CLUSTER_SECRET: 'an-operator-chosen-secret-of-32-chars',
    POSTGRES_PASSWORD: 'superuser-password',
    FALCONMIND_DB_PASSWORD: 'node-password',
    FALCONMIND_VERSION: '0.1.0',
    LOG_LEVEL: 'debug',
  },
};

const files = composeFileNames();

describe('docker/ compose files', () => {
  it('has the original design static file and one for each discovery store', () => {
    for (const expected of ['compose.static.yml', 'compose.consul.yml', 'compose.etcd.yml']) {
      assert.ok(files.includes(expected), `${expected} missing; found ${files.join(', ')}`);
    }
  });

  for (const file of files) {
    const text = readFileSync(path.join(DOCKER_DIR, file), 'utf8');
    for (const [label, env] of Object.entries(ENVIRONMENTS)) {
      describe(`${file}, ${label}`, () => {
        const deployment = parseDeployment(text, env);
        for (const [behaviour, check] of Object.entries(COMPOSE_CHECKS)) {
          it(behaviour, () => {
            assert.deepEqual(check(deployment), []);
          });
        }
      });
    }
  }

  it('uses each discovery kind in the file named after it', () => {
    for (const file of files) {
      const kind = /^compose\.(static|consul|etcd)\.ya?ml$/.exec(file)?.[1];
      if (kind === undefined) continue;
      const { nodes } = parseDeployment(readFileSync(path.join(DOCKER_DIR, file), 'utf8'), {});
      for (const node of nodes) {
        assert.equal(node.config?.discovery.kind, kind, `${file}: ${node.name}`);
      }
    }
  });

  it('keeps the original design environment in compose.static.yml', () => {
    const { nodes } = parseDeployment(
      readFileSync(path.join(DOCKER_DIR, 'compose.static.yml'), 'utf8'),
      {},
    );
    assert.deepEqual(
      nodes.map((node) => Object.keys(node.service.environment ?? {}).sort()),
      [
        ['DATABASE_URL', 'NODE_ADDRESS', 'NODE_ID', 'NODE_PORT'],
        ['DATABASE_URL', 'NODE_ADDRESS', 'NODE_ID', 'NODE_PORT', 'PEER_NODES'],
        ['DATABASE_URL', 'NODE_ADDRESS', 'NODE_ID', 'NODE_PORT', 'PEER_NODES'],
      ],
    );
  });
});
