#!/usr/bin/env node
// Finds every *.spec.ts file and runs them with Node's own test runner, TypeScript loaded by
// @swc-node/register. Node 20's `node --test` does not expand globs, hence this script.
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const SPEC_SUFFIX = '.spec.ts';
/** Directories never searched for specs. */
const SKIPPED_DIRS = new Set(['node_modules', '.git', 'dist', 'coverage', 'data', 'sim-results']);

const USAGE = `Usage: node scripts/run-tests.js [PATH...] [NODE_TEST_OPTION...]

Runs every *${SPEC_SUFFIX} file with \`node --require @swc-node/register --test\`.

  PATH               a spec file or a directory to search instead of the whole
                     repository (node_modules, dist, coverage, data and
                     sim-results are skipped), e.g. libs/raft or test
  NODE_TEST_OPTION   passed through to node, e.g. --test-name-pattern=election,
                     --test-only, --test-reporter=tap, --test-concurrency=1
                     (an option's value may follow it as the next argument)
  -h, --help         print this help

Defaults: --test-reporter=spec (so the run ends with the "ℹ tests N" summary)
and --test-concurrency=<available cores> (TEST_CONCURRENCY overrides it).
Exits with the test runner's exit code: non-zero when any test fails.`;

/**
 * Collects spec files under `dir`, sorted for a stable order.
 * @param {string} dir
 * @param {string[]} found
 * @returns {string[]}
 */
function collectSpecs(dir, found = []) {
  const entries = fs.readdirSync(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) collectSpecs(full, found);
    } else if (entry.isFile() && entry.name.endsWith(SPEC_SUFFIX)) {
      found.push(full);
    }
  }
  return found;
}

/**
 * Splits the arguments into paths to search and options for node. A bare word that is
 * not an existing path is taken as the value of the option before it.
 * @param {string[]} args
 * @returns {{ paths: string[], nodeArgs: string[], help: boolean }}
 */
function parseArgs(args) {
  /** @type {string[]} */
  const paths = [];
  /** @type {string[]} */
  const nodeArgs = [];
  let help = false;
  for (const arg of args) {
    if (arg === '-h' || arg === '--help') {
      help = true;
    } else if (arg.startsWith('-')) {
      nodeArgs.push(arg);
    } else if (fs.existsSync(path.resolve(arg))) {
      paths.push(path.resolve(arg));
    } else if (nodeArgs.length > 0 && nodeArgs[nodeArgs.length - 1].startsWith('-')) {
      nodeArgs.push(arg);
    } else {
      throw new Error(`no such file or directory: ${arg}`);
    }
  }
  return { paths, nodeArgs, help };
}

/**
 * @param {string[]} nodeArgs
 * @param {string} option
 */
function hasOption(nodeArgs, option) {
  return nodeArgs.some((arg) => arg === option || arg.startsWith(`${option}=`));
}

function main() {
  let parsed;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`run-tests: ${error instanceof Error ? error.message : String(error)}`);
    console.error('Try: node scripts/run-tests.js --help');
    process.exit(2);
  }
  const { paths, nodeArgs, help } = parsed;
  if (help) {
    console.log(USAGE);
    return;
  }

  const roots = paths.length > 0 ? paths : [ROOT];
  const files = roots.flatMap((root) =>
    fs.statSync(root).isDirectory() ? collectSpecs(root) : [root],
  );
  if (files.length === 0) {
    console.error(`run-tests: no *${SPEC_SUFFIX} files under ${roots.join(', ')}`);
    process.exit(1);
  }

  const defaults = [];
  if (!hasOption(nodeArgs, '--test-reporter')) defaults.push('--test-reporter=spec');
  if (!hasOption(nodeArgs, '--test-concurrency')) {
    const concurrency = Number(process.env.TEST_CONCURRENCY) || os.availableParallelism();
    defaults.push(`--test-concurrency=${concurrency}`);
  }

  const args = [
    '--require',
    '@swc-node/register',
    '--test',
    ...defaults,
    ...nodeArgs,
    ...files.map((file) => path.relative(ROOT, file) || file),
  ];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: 'inherit',
    // @swc-node/register reads this tsconfig (its compiler options and path aliases).
    env: { ...process.env, SWC_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') },
  });
  child.on('error', (error) => {
    console.error(`run-tests: cannot start node: ${error.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      console.error(`run-tests: test runner killed by ${signal}`);
      process.exit(1);
    }
    process.exit(code ?? 1);
  });
}

main();
