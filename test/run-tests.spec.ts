import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';

const RUNNER = resolve(__dirname, '../scripts/run-tests.js');

function run(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [RUNNER, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NODE_TEST_CONTEXT: undefined, FORCE_COLOR: '0' },
  });
  return { status: result.status, output: result.stdout + result.stderr };
}

describe('scripts/run-tests.js', () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'run-tests-'));
    const passing = "import { it } from 'node:test';\nit('passes', () => {});\n";
    const failing =
      "import { it } from 'node:test';\nit('fails', () => { throw new Error('boom'); });\n";
    writeFileSync(join(dir, 'a.spec.ts'), passing);
    writeFileSync(join(dir, 'b.spec.ts'), failing);
    writeFileSync(join(dir, 'not-a-spec.ts'), "throw new Error('must not be loaded');\n");
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints usage for --help and exits 0', () => {
    const { status, output } = run('--help');
    assert.equal(status, 0);
    assert.match(output, /^Usage: node scripts\/run-tests\.js/);
  });

  it('runs only *.spec.ts files, ends with the summary and exits non-zero on a failure', () => {
    const { status, output } = run(dir);
    assert.equal(status, 1);
    assert.match(output, /ℹ tests 2\nℹ suites 0\nℹ pass 1\nℹ fail 1\n/);
    assert.doesNotMatch(output, /must not be loaded/);
  });

  it('passes options through to node', () => {
    const { status, output } = run(dir, '--test-name-pattern', 'passes');
    assert.equal(status, 0);
    assert.match(output, /ℹ pass 1\nℹ fail 0\n/);
  });

  it('refuses a path that does not exist', () => {
    const { status, output } = run(join(dir, 'missing'));
    assert.equal(status, 2);
    assert.match(output, /no such file or directory/);
  });
});
