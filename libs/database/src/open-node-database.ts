import { DataSource, DataSourceOptions } from 'typeorm';

import { EmbeddedPostgres } from './embedded-postgres';
import {
  CONNECT_TIMEOUT_MS,
  DatabaseTarget,
  databaseTarget,
  ensureDatabase,
  unreachable,
} from './ensure-database';
import { describeError } from './errors';
import { DatabaseLogger } from './logger';
import { TypeormLogBridge } from './typeorm-log-bridge';

/** The table TypeORM records applied migrations in, as in ormconfig.ts. */
export const MIGRATIONS_TABLE_NAME = 'falconmind_migrations';

export interface OpenNodeDatabaseOptions {
  /**
   * The node's DATABASE_URL. The database it names is created if the server lacks it. Unset: the
   * embedded PostgreSQL under `<dataDir>/postgres`, for development.
   */
  readonly databaseUrl?: string | undefined;
  /** The node's DATA_DIR: home of the embedded PostgreSQL when there is no `databaseUrl`. */
  readonly dataDir: string;
  /** Entity classes (or schemas) the DataSource registers. */
  readonly entities: NonNullable<DataSourceOptions['entities']>;
  /** Migration classes, run when pending (in timestamp order, each in its own transaction). */
  readonly migrations: NonNullable<DataSourceOptions['migrations']>;
  readonly logger: DatabaseLogger;
  /** This node's NODE_ID: in log lines, and the connections' application_name. */
  readonly nodeId: string;
}

/** The node's own database, open and migrated. */
export interface NodeDatabase {
  /** Initialized, its migrations applied. The consensus loop's pool: log, state machine, snapshots. */
  readonly dataSource: DataSource;
  /**
   * A second pool over the same database, for the HTTP API's reads: however many clients read at
   * once, they never take the connections the consensus loop needs to persist and apply (a leader
   * kept waiting for one misses its heartbeats and, past the acquisition timeout, stops).
   */
  readonly apiDataSource: DataSource;
  /** The URL the DataSource connects to. It may carry a password: never log it. */
  readonly url: string;
  /** Whether the database is the embedded PostgreSQL (no DATABASE_URL). */
  readonly embedded: boolean;
  /** Closes the DataSource, then stops the embedded server if there is one. Idempotent. */
  close(): Promise<void>;
}

/**
 * Opens the node's own PostgreSQL database: the one DATABASE_URL names (created when missing), or
 * without one an embedded PostgreSQL under the data directory. Then runs the pending migrations.
 * Throws a {@link DatabaseUnreachableError} when the server cannot be connected to.
 */
export async function openNodeDatabase(options: OpenNodeDatabaseOptions): Promise<NodeDatabase> {
  if (options.databaseUrl) {
    const target = databaseTarget(
      options.databaseUrl,
      'DATABASE_URL',
      'start it or fix DATABASE_URL',
    );
    const dataSource = await openDataSource(target, options);
    const apiDataSource = await openApiDataSource(target, options, dataSource);
    return nodeDatabase(dataSource, apiDataSource, options.databaseUrl, undefined);
  }

  const server = await EmbeddedPostgres.start(options);
  try {
    const target = databaseTarget(
      server.url,
      `the embedded database under ${server.paths.cluster}`,
      `see ${server.paths.logFile}`,
    );
    const dataSource = await openDataSource(target, options);
    const apiDataSource = await openApiDataSource(target, options, dataSource);
    return nodeDatabase(dataSource, apiDataSource, server.url, server);
  } catch (error) {
    await server.stop().catch(() => undefined);
    throw error;
  }
}

/** Creates the database if needed, connects a DataSource and runs the pending migrations. */
async function openDataSource(
  target: DatabaseTarget,
  options: OpenNodeDatabaseOptions,
): Promise<DataSource> {
  const { logger, nodeId } = options;
  await ensureDatabase(target, logger, nodeId);

  const typeormLogger = new TypeormLogBridge(logger, { nodeId, database: target.database });
  const dataSource = new DataSource({
    type: 'postgres',
    url: target.url.toString(),
    applicationName: `falconmind ${nodeId}`,
    connectTimeoutMS: CONNECT_TIMEOUT_MS,
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: MIGRATIONS_TABLE_NAME,
    migrations: options.migrations,
    entities: options.entities,
    logger: typeormLogger,
  });
  try {
    await dataSource.initialize();
  } catch (error) {
    throw unreachable(target, error);
  }

  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    for (const migration of applied) {
      logger.info(`applied migration ${migration.name}`, {
        nodeId,
        database: target.database,
        migration: migration.name,
      });
    }
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    const what = typeormLogger.failedMigration
      ? `apply the migration ${typeormLogger.failedMigration} to`
      : 'migrate';
    throw new Error(
      `cannot ${what} the database ${target.database} at ${target.address} (${target.source}): ` +
        describeError(error),
      { cause: error },
    );
  }
  return dataSource;
}

/** The API's pool over the database `main` opened and migrated (see NodeDatabase.apiDataSource). */
async function openApiDataSource(
  target: DatabaseTarget,
  options: OpenNodeDatabaseOptions,
  main: DataSource,
): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'postgres',
    url: target.url.toString(),
    applicationName: `falconmind ${options.nodeId} api`,
    connectTimeoutMS: CONNECT_TIMEOUT_MS,
    synchronize: false,
    migrationsRun: false,
    entities: options.entities,
    logger: new TypeormLogBridge(options.logger, {
      nodeId: options.nodeId,
      database: target.database,
    }),
  });
  try {
    await dataSource.initialize();
  } catch (error) {
    await main.destroy().catch(() => undefined);
    throw unreachable(target, error);
  }
  return dataSource;
}

function nodeDatabase(
  dataSource: DataSource,
  apiDataSource: DataSource,
  url: string,
  server: EmbeddedPostgres | undefined,
): NodeDatabase {
  let closing: Promise<void> | undefined;
  const closeOnce = async (): Promise<void> => {
    try {
      if (apiDataSource.isInitialized) await apiDataSource.destroy();
      if (dataSource.isInitialized) await dataSource.destroy();
    } finally {
      await server?.stop();
    }
  };
  return {
    dataSource,
    apiDataSource,
    url,
    embedded: server !== undefined,
    close: () => (closing ??= closeOnce()),
  };
}
