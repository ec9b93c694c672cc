import { DatabaseLogFields, DatabaseLogger } from '../logger';

/** One line a {@link RecordingLogger} received. */
export interface RecordedLine {
  readonly level: 'info' | 'warn';
  readonly message: string;
  readonly fields: DatabaseLogFields;
}

/** A logger that keeps what it is told, for assertions. */
export class RecordingLogger implements DatabaseLogger {
  readonly lines: RecordedLine[] = [];

  info(message: string, fields: DatabaseLogFields): void {
    this.lines.push({ level: 'info', message, fields });
  }

  warn(message: string, fields: DatabaseLogFields): void {
    this.lines.push({ level: 'warn', message, fields });
  }

  /** Whether a line of `level` starts with `prefix`. */
  has(level: RecordedLine['level'], prefix: string): boolean {
    return this.lines.some((line) => line.level === level && line.message.startsWith(prefix));
  }
}
