import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadNodeConfig, nodeOptionsWithHeapLimit } from '@falconmind/config';
import { DOCKER_DIR } from './compose-file';
import { unknownVariables } from './config-variables';
import {
  Stage,
  copyArguments,
  environmentOfStage,
  execForm,
  healthCheckInstruction,
  instructionsOf,
  readDockerfile,
} from './dockerfile';

const ROOT = path.resolve(DOCKER_DIR, '..');
const dockerfileText = readFileSync(path.join(DOCKER_DIR, 'Dockerfile'), 'utf8');
const stages = readDockerfile();
const runtime = stages.at(-1)!;
const runtimeEnv = environmentOfStage(runtime);

/** The stage named `name`, or the one at that index, as `COPY --from=` refers to it. */
function stageCalled(name: string): Stage {
  const stage = stages.find((candidate) => candidate.name === name) ?? stages[Number(name)];
  assert.ok(stage, `no stage ${name}`);
  return stage;
}

/** The stage's working directory after its last WORKDIR (the image default is /). */
function workdirOf(stage: Stage): string {
  return instructionsOf(stage, 'WORKDIR').reduce(
    (dir, { args }) => path.posix.resolve(dir, args),
    '/',
  );
}

/** The file `npm run build` emits for the node's entry point, from nest-cli.json and tsconfig. */
function emittedEntryFile(): string {
  const nest = JSON.parse(readFileSync(path.join(ROOT, 'nest-cli.json'), 'utf8')) as {
    projects: Record<string, { root: string; entryFile: string }>;
    compilerOptions: { tsConfigPath: string };
  };
  const project = nest.projects['cluster-node'];
  const tsconfigPath = path.join(ROOT, nest.compilerOptions.tsConfigPath);
  const tsconfig = JSON.parse(readFileSync(tsconfigPath, 'utf8')) as {
    compilerOptions: { outDir: string };
  };
  const outDir = path.resolve(path.dirname(tsconfigPath), tsconfig.compilerOptions.outDir);
  return path
    .relative(ROOT, path.join(outDir, `${project.entryFile}.js`))
    .split(path.sep)
    .join('/');
}

describe('docker/Dockerfile', () => {
  it('keeps the checks of the original deployment files', () => {
    assert.match(dockerfileText, /^FROM node:20[^\n]* AS build$/m);
    assert.match(dockerfileText, /^USER node$/m);
    assert.match(dockerfileText, /^HEALTHCHECK [^\n]*\n?[^\n]*\/health\/live/m);
    assert.match(dockerfileText, /^STOPSIGNAL SIGTERM$/m);
  });

  it('builds in stages on Node.js 20 and runs on a slim image', () => {
    assert.ok(stages.length >= 2, `${stages.length} stage(s)`);
    for (const stage of stages) assert.match(stage.image, /^node:20[.-]/, stage.name);
    assert.match(runtime.image, /slim/);
    assert.ok(
      instructionsOf(runtime, 'COPY').some(({ args }) => copyArguments(args).options.from),
      'the final stage takes its files from an earlier stage',
    );
  });

  it('runs as a user other than root', () => {
    const user = instructionsOf(runtime, 'USER').at(-1)?.args;
    assert.ok(user, 'no USER in the final stage');
    assert.doesNotMatch(user, /^(root|0)(:|$)/);
  });

  it('ships only production dependencies', () => {
    const modules = instructionsOf(runtime, 'COPY')
      .map(({ args }) => copyArguments(args))
      .filter(({ sources }) => sources.some((source) => source.endsWith('node_modules')));
    assert.ok(modules.length > 0, 'the final stage copies no node_modules');
    for (const { options } of modules) {
      assert.ok(options.from, 'node_modules copied from the build context');
      const installs = instructionsOf(stageCalled(options.from), 'RUN').map(({ args }) => args);
      assert.ok(
        installs.some((args) => /npm (ci|install|prune)\b.*--omit=dev/.test(args)),
        `stage ${options.from} does not install with --omit=dev: ${installs.join(' | ')}`,
      );
    }
    for (const { args } of instructionsOf(runtime, 'RUN')) {
      assert.doesNotMatch(args, /\bnpm (ci|install|i)\b/, 'the final stage installs packages');
    }
  });

  it('builds from what the build reads, never a copy of the host node_modules', () => {
    const builder = stages.find((stage) =>
      instructionsOf(stage, 'RUN').some(({ args }) => /npm run build/.test(args)),
    );
    assert.ok(builder, 'no stage runs npm run build');
    const copied = instructionsOf(builder, 'COPY').flatMap(
      ({ args }) => copyArguments(args).sources,
    );
    assert.ok(!copied.includes('.'), 'COPY . would bring the host node_modules and data/');
    const nest = JSON.parse(readFileSync(path.join(ROOT, 'nest-cli.json'), 'utf8')) as {
      projects: Record<string, { root: string }>;
    };
    const sourceFolders = new Set(Object.values(nest.projects).map((p) => p.root.split('/')[0]));
    for (const needed of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'nest-cli.json',
      ...sourceFolders,
    ]) {
      assert.ok(copied.includes(needed), `the build stage does not copy ${needed}`);
    }
  });

  it('starts the entry file the build emits', () => {
    const command = execForm(instructionsOf(runtime, 'CMD').at(-1)?.args ?? '');
    assert.ok(command, 'CMD is not in exec form');
    assert.equal(command[0], 'node');
    const script = command.slice(1).find((arg) => !arg.startsWith('-'));
    assert.ok(script, 'CMD names no script');
    const started = path.posix.resolve(workdirOf(runtime), script);
    const copy = instructionsOf(runtime, 'COPY')
      .map(({ args }) => copyArguments(args))
      .map((copy) => ({
        ...copy,
        target: path.posix.resolve(workdirOf(runtime), copy.destination),
      }))
      .filter(({ options, target }) => options.from && started.startsWith(`${target}/`))
      // The most specific destination wins, as the last layer to write the path does.
      .sort((a, b) => b.target.length - a.target.length)[0];
    assert.ok(copy?.options.from, `no COPY --from brings ${started}`);
    const source = stageCalled(copy.options.from);
    const builtAt = path.posix.join(
      path.posix.resolve(workdirOf(source), copy.sources[0]),
      path.posix.relative(copy.target, started),
    );
    assert.equal(builtAt, path.posix.join(workdirOf(source), emittedEntryFile()));
  });

  it('takes SIGTERM itself: exec-form CMD and ENTRYPOINT, STOPSIGNAL SIGTERM', () => {
    for (const keyword of ['CMD', 'ENTRYPOINT']) {
      for (const { args } of instructionsOf(runtime, keyword)) {
        assert.ok(
          execForm(args),
          `${keyword} ${args} is in shell form: sh, not node, would get SIGTERM`,
        );
      }
    }
    assert.equal(instructionsOf(runtime, 'STOPSIGNAL').at(-1)?.args, 'SIGTERM');
  });

  it('keeps DATA_DIR on a volume the node user owns', () => {
    const dataDir = runtimeEnv.DATA_DIR;
    assert.ok(dataDir, 'no DATA_DIR in ENV');
    const volumes = instructionsOf(runtime, 'VOLUME').flatMap(
      ({ args }) => execForm(args) ?? args.split(/\s+/),
    );
    assert.ok(volumes.includes(dataDir), `VOLUME ${volumes.join(' ')} leaves out ${dataDir}`);
    const user = instructionsOf(runtime, 'USER').at(-1)?.args ?? '';
    assert.ok(
      instructionsOf(runtime, 'RUN').some(
        ({ args }) => args.includes(`chown ${user}`) && args.includes(dataDir),
      ),
      `${dataDir} is not given to ${user}`,
    );
  });

  it('sets only variables the node reads, to values it accepts, and exposes its two ports', () => {
    assert.deepEqual(unknownVariables(Object.keys(runtimeEnv)), []);
    const config = loadNodeConfig(runtimeEnv);
    const exposed = instructionsOf(runtime, 'EXPOSE').flatMap(({ args }) => args.split(/\s+/));
    assert.ok(exposed.includes(String(config.nodePort)), `EXPOSE ${exposed.join(' ')}`);
    assert.ok(exposed.includes(String(config.raftPort)), `EXPOSE ${exposed.join(' ')}`);
  });

  it('gives the node the heap limit every other way of starting it gives (npm start too)', () => {
    assert.equal(runtimeEnv.NODE_OPTIONS, nodeOptionsWithHeapLimit(undefined));
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    assert.ok(
      manifest.scripts.start.includes(` ${nodeOptionsWithHeapLimit(undefined)} `),
      `npm start runs: ${manifest.scripts.start}`,
    );
  });

  it('leaves node_modules, data and git history out of the build context', () => {
    const ignored = readFileSync(path.join(DOCKER_DIR, 'Dockerfile.dockerignore'), 'utf8')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'));
    for (const entry of ['**/node_modules', '/data', '.git', '.env']) {
      assert.ok(ignored.includes(entry), entry);
    }
  });
});

/**
 * The HEALTHCHECK command run as Docker would run it in the container, against a stand-in for the
 * node's HTTP port: it must pass only on a 2xx from /health/live, and give up before Docker's own
 * timeout when the node accepts the connection but does not answer.
 */
describe('the image health check', () => {
  const check = healthCheckInstruction(runtime);
  const requests: string[] = [];
  let answer: 'ok' | 'unavailable' | 'silent' = 'ok';
  let server: Server;
  let port: number;

  before(async () => {
    server = createServer((request, response) => {
      requests.push(request.url ?? '');
      if (answer === 'silent') return;
      response.writeHead(answer === 'ok' ? 200 : 503).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** Runs the check with NODE_PORT set; resolves to its exit code and how long it took. */
  function probe(nodePort: number): Promise<{ code: number | null; ms: number }> {
    const command = check?.command;
    assert.ok(command && command[0] === 'node', 'HEALTHCHECK is not an exec-form node command');
    const started = Date.now();
    const child = spawn(process.execPath, command.slice(1), {
      env: { PATH: process.env.PATH, NODE_PORT: String(nodePort) },
      stdio: 'ignore',
    });
    return new Promise((resolve) =>
      child.on('exit', (code) => resolve({ code, ms: Date.now() - started })),
    );
  }

  it('is an exec-form command with a timeout', () => {
    assert.ok(check?.command, 'no exec-form HEALTHCHECK CMD');
    assert.ok(check.options.timeout, 'no --timeout');
  });

  it('passes when /health/live answers 200', async () => {
    answer = 'ok';
    requests.length = 0;
    assert.equal((await probe(port)).code, 0);
    assert.deepEqual(requests, ['/health/live']);
  });

  it('fails when the node answers 503', async () => {
    answer = 'unavailable';
    assert.equal((await probe(port)).code, 1);
  });

  it('fails when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    assert.equal((await probe(freePort)).code, 1);
  });

  it('gives up by itself, before Docker times it out, when the node does not answer', async () => {
    // Docker kills a check that outlives --timeout and counts a failure either way; the probe's own
    // deadline makes it exit cleanly instead. Compared as written, since process start-up time
    // on a loaded machine says nothing about the image.
    const deadline = /AbortSignal\.timeout\((\d+)\)/.exec(check?.command?.join(' ') ?? '');
    assert.ok(deadline, 'the probe sets no deadline of its own');
    const timeoutMs = Number.parseFloat(check?.options.timeout ?? '0') * 1000;
    assert.ok(
      Number(deadline[1]) < timeoutMs,
      `${deadline[1]} ms, Docker's timeout ${timeoutMs} ms`,
    );
    answer = 'silent';
    const { code, ms } = await probe(port);
    assert.equal(code, 1);
    assert.ok(ms >= Number(deadline[1]), `exited after ${ms} ms, before its deadline`);
  });
});
