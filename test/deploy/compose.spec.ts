import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { loadNodeConfig } from '@falconmind/config';

const DOCKER = path.resolve(__dirname, '..', '..', 'docker');

interface ComposeService {
  build?: unknown;
  image?: string;
  environment?: Record<string, string> | string[];
  ports?: string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: unknown };
}

interface ComposeFile {
  services: Record<string, ComposeService>;
}

function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (!Array.isArray(env)) return env;
  return Object.fromEntries(
    env.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

const composeFiles = readdirSync(DOCKER).filter((name) => /^compose\..*\.ya?ml$/.test(name));

/**
 * No Docker engine runs where the tests run, so the deployment files are checked against what the
 * node itself accepts: every node service's environment passes the node's configuration validation.
 */
describe('docker/ deployment files', () => {
  it('has the compose files of the original design', () => {
    assert.ok(composeFiles.includes('compose.static.yml'), composeFiles.join(', '));
  });

  for (const file of composeFiles) {
    describe(file, () => {
      const compose = parse(readFileSync(path.join(DOCKER, file), 'utf8'), {
        merge: true,
      }) as ComposeFile;
      const nodes = Object.entries(compose.services).filter(
        ([, service]) => service.build !== undefined,
      );

      it('configures each node with an environment the node accepts', () => {
        assert.ok(nodes.length >= 3, 'at least three nodes');
        const ids = new Set<string>();
        for (const [name, service] of nodes) {
          const config = loadNodeConfig(environmentOf(service));
          assert.ok(!ids.has(config.nodeId), `${name}: NODE_ID ${config.nodeId} is used twice`);
          ids.add(config.nodeId);
          for (const peer of config.peers) {
            assert.ok(
              peer.address in compose.services,
              `${name}: peer ${peer.address} is not a service of ${file}`,
            );
          }
        }
      });

      it('publishes each host port once', () => {
        const hostPorts = Object.values(compose.services).flatMap((s) =>
          (s.ports ?? []).map((p) => p.split(':')[0]),
        );
        assert.equal(new Set(hostPorts).size, hostPorts.length, hostPorts.join(', '));
      });

      it('starts nodes only once their database is healthy, and every dependency has a health check', () => {
        for (const [name, service] of nodes) {
          const dependsOn = service.depends_on ?? {};
          assert.ok(!Array.isArray(dependsOn), `${name}: depends_on must name conditions`);
          for (const [dependency, rule] of Object.entries(dependsOn)) {
            assert.equal(rule.condition, 'service_healthy', `${name} -> ${dependency}`);
            assert.ok(
              compose.services[dependency]?.healthcheck?.test,
              `${dependency} has no health check`,
            );
          }
        }
      });
    });
  }

  it('builds an image that runs as a non-root user, checks its health and stops on SIGTERM', () => {
    const dockerfile = readFileSync(path.join(DOCKER, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /^FROM node:20[^\n]* AS build$/m);
    assert.match(dockerfile, /^USER node$/m);
    assert.match(dockerfile, /^HEALTHCHECK [^\n]*\n?[^\n]*\/health\/live/m);
    assert.match(dockerfile, /^STOPSIGNAL SIGTERM$/m);
  });
});
