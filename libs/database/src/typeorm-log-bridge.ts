import type { Logger } from 'typeorm';

import { DatabaseLogFields, DatabaseLogger } from './logger';

const FAILED_MIGRATION = /^Migration "(.+)" failed/;

/**
 * TypeORM's logger for the node's DataSource: TypeORM would otherwise print migration messages to
 * the console. Queries are not logged (their errors reach the caller); warnings go to the node's
 * logger; a failing migration's name is kept for the error that reports it.
 */
export class TypeormLogBridge implements Logger {
  /** The name of the migration that failed last, if one did. */
  failedMigration: string | undefined;

  constructor(
    private readonly logger: DatabaseLogger,
    private readonly fields: DatabaseLogFields,
  ) {}

  logQuery(): void {}

  logQueryError(): void {}

  logQuerySlow(time: number): void {
    this.logger.warn(`a database query took ${time} ms`, { ...this.fields, ms: time });
  }

  logSchemaBuild(): void {}

  logMigration(message: string): void {
    const failed = FAILED_MIGRATION.exec(message);
    if (failed) this.failedMigration = failed[1];
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message), this.fields);
  }
}
