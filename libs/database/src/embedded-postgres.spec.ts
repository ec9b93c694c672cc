import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { RAFT_LOG_STORE_ENTITIES, TypeormLogStore } from '@falconmind/consensus';
import { Entry, HardState } from '@falconmind/raft';

import { CreateRaftLogStore1795758517461 } from '../../consensus/migrations/1795758517461-CreateRaftLogStore';
import { embeddedPostgresPaths } from './embedded-postgres';
import { NodeDatabase, openNodeDatabase } from './open-node-database';
import { RecordingLogger } from './testing/recording-logger';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const TIMEOUT = { timeout: 60_000 };
const IS_ROOT = process.getuid?.() === 0;

const HARD_STATE: HardState = { term: 3, vote: 'node-1', commit: 1 };
const ENTRIES: Entry[] = [
  { index: 1, term: 3, type: 'normal', data: Uint8Array.of(1, 2, 3) },
  { index: 2, term: 3, type: 'normal', data: Uint8Array.of(4, 5) },
];

/** A node process that opens the embedded database, says READY and idles until it is killed. */
const NODE_PROCESS = `
  const { openNodeDatabase } = require('./libs/database/src/open-node-database');
  const silent = { info() {}, warn() {} };
  openNodeDatabase({ dataDir: process.argv[1], entities: [], migrations: [], logger: silent, nodeId: 'node-killed' })
    .then(() => { process.stdout.write('READY\\n'); setInterval(() => {}, 60000); })
    .catch((error) => { console.error(error); process.exit(1); });
`;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function readPid(file: string): Promise<number | undefined> {
  try {
    return Number((await fs.readFile(file, 'utf8')).split('\n', 1)[0]);
  } catch {
    return undefined;
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** The pid of a process that has come and gone. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await once(child, 'exit');
  assert.ok(child.pid !== undefined);
  return child.pid;
}

/** Starts {@link NODE_PROCESS} on `dataDir` and waits for its READY. */
async function startNodeProcess(dataDir: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--require', '@swc-node/register', '--eval', NODE_PROCESS, dataDir],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no READY in 30 s: ${output}`)), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('READY')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the node process exited (${code}): ${output}`));
    });
  });
  return child;
}

describe('openNodeDatabase without DATABASE_URL (embedded PostgreSQL)', () => {
  let dataDir: string;
  let paths: ReturnType<typeof embeddedPostgresPaths>;
  const opened: NodeDatabase[] = [];
  const children: ChildProcess[] = [];

  async function open(logger = new RecordingLogger()): Promise<NodeDatabase> {
    const database = await openNodeDatabase({
      dataDir,
      entities: [...RAFT_LOG_STORE_ENTITIES],
      migrations: [CreateRaftLogStore1795758517461],
      logger,
      nodeId: 'node-test',
    });
    opened.push(database);
    return database;
  }

  before(async () => {
    dataDir = path.join(await fs.mkdtemp(path.join(tmpdir(), 'falconmind-db-')), 'node-test');
    // Run as root, the server runs as the postgres user, which must be able to enter the directory.
    await fs.chmod(path.dirname(dataDir), 0o755);
    paths = embeddedPostgresPaths(dataDir);
  });

  after(async () => {
    for (const database of opened) await database.close();
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    // A server some failed test left running: fast shutdown, then wait for its pid file to go.
    const pid = await readPid(path.join(paths.cluster, 'postmaster.pid'));
    if (pid !== undefined && isAlive(pid)) {
      process.kill(pid, 'SIGINT');
      const deadline = Date.now() + 15_000;
      while ((await exists(path.join(paths.cluster, 'postmaster.pid'))) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await fs.rm(path.dirname(dataDir), { recursive: true, force: true });
  });

  it(
    'initialises, starts and migrates a server under DATA_DIR that keeps its data across restarts',
    TIMEOUT,
    async () => {
      const firstLog = new RecordingLogger();
      const first = await open(firstLog);
      assert.equal(first.embedded, true);
      const url = new URL(first.url);
      const port = Number(await fs.readFile(paths.portFile, 'utf8'));
      assert.equal(url.hostname, '127.0.0.1');
      assert.equal(Number(url.port), port);
      assert.equal(url.pathname, '/falconmind');
      assert.ok(firstLog.has('info', `initialising the embedded database under ${paths.cluster}`));
      assert.ok(firstLog.has('info', `embedded PostgreSQL listening on 127.0.0.1:${port}`));
      assert.ok(firstLog.has('info', 'applied migration CreateRaftLogStore1795758517461'));
      // (Run as root from a directory the postgres user cannot enter, the binaries are copied.)
      const warnings = firstLog.lines.filter(
        (line) =>
          line.level === 'warn' && !line.message.startsWith('copying the PostgreSQL binaries'),
      );
      assert.deepEqual(warnings, []);

      const [version] =
        await first.dataSource.query<Array<{ server_version: string }>>('SHOW server_version');
      assert.match(version?.server_version ?? '', /^\d+\.\d+/);
      await assert.rejects(open(), /is already open/);

      await new TypeormLogStore(first.dataSource).persist({
        hardState: HARD_STATE,
        entries: ENTRIES,
      });
      await first.close();
      assert.equal(await exists(path.join(paths.cluster, 'postmaster.pid')), false);
      assert.equal(await exists(paths.ownerFile), false);

      const secondLog = new RecordingLogger();
      const second = await open(secondLog);
      try {
        assert.equal(Number(new URL(second.url).port), port, 'the remembered port is reused');
        assert.deepEqual(await new TypeormLogStore(second.dataSource).load(), {
          hardState: HARD_STATE,
          entries: ENTRIES,
        });
        assert.deepEqual(
          secondLog.lines.map((line) => line.message),
          [`embedded PostgreSQL listening on 127.0.0.1:${port}`],
        );
      } finally {
        await second.close();
      }
    },
  );

  it('removes a stale postmaster.pid whose process is gone', TIMEOUT, async () => {
    const pid = await deadPid();
    assert.equal(await exists(path.join(paths.cluster, 'postmaster.pid')), false, 'no server runs');
    await fs.writeFile(path.join(paths.cluster, 'postmaster.pid'), `${pid}\n${paths.cluster}\n`);

    const logger = new RecordingLogger();
    const database = await open(logger);
    try {
      assert.ok(logger.has('warn', `removed the stale ${paths.cluster}/postmaster.pid`));
      assert.deepEqual(await new TypeormLogStore(database.dataSource).load(), {
        hardState: HARD_STATE,
        entries: ENTRIES,
      });
    } finally {
      await database.close();
    }
  });

  it(
    'stops the server a node killed with SIGKILL left running, but not one a live node uses',
    TIMEOUT,
    async () => {
      const child = await startNodeProcess(dataDir);
      children.push(child);
      const orphan = await readPid(path.join(paths.cluster, 'postmaster.pid'));
      assert.ok(orphan !== undefined && isAlive(orphan));

      await assert.rejects(open(), new RegExp(`is in use by process ${child.pid}`));

      child.kill('SIGKILL');
      await once(child, 'exit');
      assert.ok(isAlive(orphan), 'the server outlives the killed node');

      const logger = new RecordingLogger();
      const database = await open(logger);
      try {
        assert.ok(logger.has('warn', `stopping the embedded PostgreSQL (pid ${orphan})`));
        assert.notEqual(await readPid(path.join(paths.cluster, 'postmaster.pid')), orphan);
        assert.deepEqual(await new TypeormLogStore(database.dataSource).load(), {
          hardState: HARD_STATE,
          entries: ENTRIES,
        });
      } finally {
        await database.close();
      }
    },
  );

  it(
    'explains a DATA_DIR the server user cannot enter',
    { ...TIMEOUT, skip: !IS_ROOT },
    async () => {
      const closed = await fs.mkdtemp(path.join(tmpdir(), 'falconmind-db-closed-'));
      try {
        await fs.chmod(closed, 0o700);
        await assert.rejects(
          openNodeDatabase({
            dataDir: path.join(closed, 'node-test'),
            entities: [],
            migrations: [],
            logger: new RecordingLogger(),
            nodeId: 'node-test',
          }),
          new RegExp(
            `cannot enter ${closed}: allow it \\(chmod o\\+x ${closed}\\) or set DATA_DIR`,
          ),
        );
      } finally {
        await fs.rm(closed, { recursive: true, force: true });
      }
    },
  );
});
