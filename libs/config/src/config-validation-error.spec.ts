import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';

import { ConfigValidationError, formatConfigError } from './config-validation-error';

const ROOT = path.resolve(__dirname, '../../..');

describe('formatConfigError', () => {
  it('prints a validation error as its problem lines', () => {
    const error = new ConfigValidationError([
      { variable: 'NODE_PORT', value: 'abc', expected: 'an integer port in 1..65535' },
      { variable: 'NODE_ID', value: undefined, expected: 'a node id' },
    ]);
    assert.equal(
      formatConfigError(error),
      'config: NODE_PORT="abc" is invalid: expected an integer port in 1..65535\n' +
        'config: NODE_ID is not set: expected a node id',
    );
  });

  it('keeps each problem on one line whatever the value holds', () => {
    const error = new ConfigValidationError([
      { variable: 'LOG_LEVEL', value: 'a\nb', expected: 'one\nline' },
    ]);
    assert.equal(
      formatConfigError(error),
      'config: LOG_LEVEL="a\\nb" is invalid: expected one line',
    );
  });

  it('prints any other error with its stack', () => {
    const error = new Error('database unreachable');
    assert.equal(formatConfigError(error), error.stack);
    assert.equal(formatConfigError('boom'), 'boom');
  });
});

describe('a node started with a bad variable', () => {
  it('prints one line and exits non-zero', async () => {
    const script = [
      `const { loadNodeConfig, formatConfigError } = require(${JSON.stringify(path.join(ROOT, 'libs/config/src/index.ts'))});`,
      'try { loadNodeConfig(process.env); } catch (error) {',
      '  console.error(formatConfigError(error));',
      '  process.exit(1);',
      '}',
    ].join('\n');
    const env = {
      PATH: process.env.PATH,
      SWC_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'),
      NODE_PORT: 'abc',
    };
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      execFile(
        process.execPath,
        ['--require', '@swc-node/register', '-e', script],
        { cwd: ROOT, env, timeout: 20_000 },
        (error, stdout, stderr) =>
          resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
      );
    });
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.equal(
      stderr,
      'config: NODE_PORT="abc" is invalid: expected an integer port in 1..65535\n',
    );
  });
});
