import { DiscoveryLogger } from '../src/discovery-logger';

export interface LoggedLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Record<string, unknown> | undefined;
}

/**
 * Test-only: a logger that keeps every line so a test can check what was logged (and how often).
 * Set `DISCOVERY_TEST_LOG=1` to see the lines as they come.
 */
export class RecordingLogger implements DiscoveryLogger {
  readonly lines: LoggedLine[] = [];

  debug(message: string, fields?: Record<string, unknown>): void {
    this.record('debug', message, fields);
  }

  info(message: string, fields?: Record<string, unknown>): void {
    this.record('info', message, fields);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.record('warn', message, fields);
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.record('error', message, fields);
  }

  /** How many lines carry exactly this message. */
  count(message: string): number {
    return this.lines.filter((line) => line.message === message).length;
  }

  private record(level: LoggedLine['level'], message: string, fields?: Record<string, unknown>) {
    this.lines.push({ level, message, fields });
    if (process.env.DISCOVERY_TEST_LOG === '1') {
      console.log(`[${level}] ${message} ${fields === undefined ? '' : JSON.stringify(fields)}`);
    }
  }
}
