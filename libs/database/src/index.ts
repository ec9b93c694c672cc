/**
 * The node's own PostgreSQL database: opened from DATABASE_URL (created when missing) or, for
 * development, an embedded server under DATA_DIR; migrated on open.
 */
export { openNodeDatabase, MIGRATIONS_TABLE_NAME } from './open-node-database';
export type { NodeDatabase, OpenNodeDatabaseOptions } from './open-node-database';
export { DatabaseUnreachableError } from './errors';
export type { DatabaseLogFields, DatabaseLogger } from './logger';
export { EMBEDDED_DATABASE_NAME, embeddedPostgresPaths } from './embedded-postgres';
export type { EmbeddedPostgresPaths } from './embedded-postgres';
