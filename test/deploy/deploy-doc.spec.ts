import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { COMPOSE_CHECKS, parseDeployment } from './compose-checks';
import { DOCKER_DIR } from './compose-file';

const DEPLOY_DOC = path.resolve(DOCKER_DIR, '..', 'docs', 'deploy.md');

/** The YAML snippet of docs/deploy.md's five-node recipe: the service it tells readers to add. */
function nodeFourSnippet(): string {
  const doc = readFileSync(DEPLOY_DOC, 'utf8');
  const snippet = /```yaml\n(node4:\n[\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(snippet, 'docs/deploy.md has no yaml block starting with node4:');
  return snippet;
}

/** Indents a top-level YAML fragment to sit under `services:`. */
const underServices = (fragment: string) =>
  fragment
    .split('\n')
    .map((line) => (line === '' ? line : `  ${line}`))
    .join('\n');

/**
 * Applies the recipe as the page words it: BOOTSTRAP_EXPECT 5, two more databases, node4 as
 * given and node5 "likewise", and their volumes.
 */
function fiveNodeFile(file: string): string {
  const node4 = nodeFourSnippet().replace(/^#.*\n/gm, '');
  const node5 = node4.replaceAll('node4', 'node5').replaceAll('8894', '8896');
  let text = readFileSync(path.join(DOCKER_DIR, file), 'utf8');
  const replace = (from: string, to: string) => {
    assert.ok(text.includes(from), `${file} has no ${JSON.stringify(from)}`);
    text = text.replace(from, to);
  };
  replace("BOOTSTRAP_EXPECT: '3'", "BOOTSTRAP_EXPECT: '5'");
  replace(
    'falconmind_node2 falconmind_node3\n',
    'falconmind_node2 falconmind_node3 falconmind_node4 falconmind_node5\n',
  );
  replace('\nvolumes:\n', `\n${underServices(node4)}\n${underServices(node5)}\nvolumes:\n`);
  return `${text}  node4-data:\n  node5-data:\n`;
}

describe("docs/deploy.md's five-node recipe", () => {
  for (const file of ['compose.consul.yml', 'compose.etcd.yml']) {
    it(`gives a ${file} that passes every check`, () => {
      const deployment = parseDeployment(fiveNodeFile(file), {});
      assert.deepEqual(
        deployment.nodes.map((node) => node.name),
        ['node1', 'node2', 'node3', 'node4', 'node5'],
      );
      for (const [behaviour, check] of Object.entries(COMPOSE_CHECKS)) {
        assert.deepEqual(check(deployment), [], behaviour);
      }
    });
  }
});
