import 'reflect-metadata';

import { join } from 'node:path';

import { DataSource } from 'typeorm';

/**
 * The DataSource the TypeORM migration CLI runs against (`npm run migration:show`, …).
 * The schema changes only through migrations: `synchronize` stays off.
 */
export default new DataSource({
  type: 'postgres',
  url: process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/falconmind',
  synchronize: false,
  migrationsRun: false,
  migrationsTableName: 'falconmind_migrations',
  migrations: [join(__dirname, 'libs/*/migrations/*.ts')],
  entities: [join(__dirname, 'libs/*/src/**/*.entity.ts')],
});
