import { spawn } from 'node:child_process';
import { access, copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { logWarning } from '../progress-log';

const REPOSITORY_ROOT = path.resolve(__dirname, '..', '..', '..');
/** Where the benchmark compiles the node: under dist/ (ignored), beside what `npm run build` makes. */
const COMPILED_DIR = path.join(REPOSITORY_ROOT, 'dist', 'bench-node');
/** Files the node reads at run time besides its code (nest-cli.json's assets). */
const ASSET_DIRS = ['libs/consensus/src/grpc'];
const ASSET_SUFFIX = '.proto';

/** How a node process is started: the Node.js arguments after any flags, and what that means. */
export interface NodeEntry {
  readonly args: readonly string[];
  readonly description: string;
}

/** As `npm start` does: TypeScript compiled in the process as it loads (@swc-node/register). */
export const SOURCE_ENTRY: NodeEntry = {
  args: ['--require', '@swc-node/register', 'apps/cluster-node/src/main.ts'],
  description: 'from source through @swc-node/register, as npm start does',
};

/**
 * Maps the `@falconmind/*` imports of the compiled code to its folders, as the path aliases of
 * tsconfig.json do for the source (`nest build` rewrites them likewise).
 */
const ALIAS_HOOK = `'use strict';
const Module = require('node:module');
const path = require('node:path');
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const alias = /^@falconmind\\/([^/]+)(?:\\/(.+))?$/.exec(request);
  const target = alias ? path.join(__dirname, 'libs', alias[1], 'src', alias[2] ?? 'index') : request;
  return resolveFilename.call(this, target, ...rest);
};
`;

/**
 * Compiles the node with the project's TypeScript settings into dist/bench-node and returns how to
 * start it: the form a deployment runs (the image runs `npm run build`'s output), without the
 * in-process compiler, which costs every node about 50 MB and its start-up CPU.
 */
export async function compileNode(): Promise<NodeEntry> {
  const compiled = await run(process.execPath, [
    path.join(REPOSITORY_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
    '-p',
    path.join(REPOSITORY_ROOT, 'apps', 'cluster-node', 'tsconfig.app.json'),
    '--outDir',
    COMPILED_DIR,
  ]);
  const main = path.join(COMPILED_DIR, 'apps', 'cluster-node', 'src', 'main.js');
  if (compiled.code !== 0) {
    // tsc still writes the JavaScript when it finds type errors (another change in progress).
    const emitted = await access(main).then(
      () => true,
      () => false,
    );
    if (!emitted) throw new Error(`compiling the node failed:\n${compiled.output}`);
    logWarning(`tsc reported type errors; running what it emitted:\n${compiled.output}`);
  }
  for (const dir of ASSET_DIRS) {
    const target = path.join(COMPILED_DIR, dir);
    await mkdir(target, { recursive: true });
    for (const file of await readdir(path.join(REPOSITORY_ROOT, dir))) {
      if (file.endsWith(ASSET_SUFFIX))
        await copyFile(path.join(REPOSITORY_ROOT, dir, file), path.join(target, file));
    }
  }
  const hook = path.join(COMPILED_DIR, 'resolve-aliases.js');
  await writeFile(hook, ALIAS_HOOK);
  return {
    args: ['--require', hook, main],
    description: 'compiled with tsc (as npm run build), run with plain node',
  };
}

function run(
  command: string,
  args: readonly string[],
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPOSITORY_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output: output.join('') }));
  });
}
