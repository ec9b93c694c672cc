import { randomBytes } from 'node:crypto';

import { Client } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';

/**
 * The server tests create their databases on, as a URL to a database that always exists. Override
 * with TEST_DATABASE_URL.
 */
const SERVER_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** As in ormconfig.ts: the migrations a test runs are recorded where production records them. */
const MIGRATIONS_TABLE_NAME = 'falconmind_migrations';

export interface TestDatabaseOptions {
  /** Migration classes, run (in timestamp order) when the database is created. */
  readonly migrations: NonNullable<DataSourceOptions['migrations']>;
  /** Entity classes the DataSources register. */
  readonly entities: NonNullable<DataSourceOptions['entities']>;
}

/**
 * A throwaway PostgreSQL database for one spec file: created empty under a unique name, migrated, and
 * dropped by `drop()` (call it from `after`). Never synchronized: its schema is what the migrations
 * make, as in production.
 */
export class TestDatabase {
  private readonly opened: DataSource[] = [];

  private constructor(
    readonly name: string,
    readonly url: string,
    private readonly options: TestDatabaseOptions,
    /** Initialized once the migrations have run; `drop()` closes it. */
    readonly dataSource: DataSource,
  ) {}

  /** Creates the database (falconmind_test_<pid>_<random>), runs the migrations, opens a DataSource. */
  static async create(options: TestDatabaseOptions): Promise<TestDatabase> {
    const name = `falconmind_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    const url = new URL(SERVER_URL);
    url.pathname = `/${name}`;
    await onServer(`CREATE DATABASE "${name}"`);
    const dataSource = newDataSource(url.toString(), options);
    const database = new TestDatabase(name, url.toString(), options, dataSource);
    database.opened.push(dataSource);
    try {
      await dataSource.initialize();
      await dataSource.runMigrations({ transaction: 'each' });
    } catch (error) {
      await database.drop();
      throw error;
    }
    return database;
  }

  /** Opens another DataSource on the same database, as a restarted process would. `drop()` closes it. */
  async open(): Promise<DataSource> {
    const dataSource = newDataSource(this.url, this.options);
    this.opened.push(dataSource);
    return dataSource.initialize();
  }

  /** Closes every DataSource still open on the database, then drops it. */
  async drop(): Promise<void> {
    for (const dataSource of this.opened) {
      if (dataSource.isInitialized) await dataSource.destroy();
    }
    await onServer(`DROP DATABASE IF EXISTS "${this.name}" WITH (FORCE)`);
  }
}

function newDataSource(url: string, options: TestDatabaseOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: MIGRATIONS_TABLE_NAME,
    migrations: options.migrations,
    entities: options.entities,
    logging: false,
  });
}

/** Runs one statement on the server's maintenance database (CREATE/DROP DATABASE cannot be in ours). */
async function onServer(sql: string): Promise<void> {
  const client = new Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
