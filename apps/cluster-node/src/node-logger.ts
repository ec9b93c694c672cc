import { LoggerService } from '@nestjs/common';
import { LogLevel } from '@falconmind/config';
import { LogFields, RaftLogger } from '@falconmind/raft';

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * The node's structured log: one JSON object per line on stdout (errors on stderr), with the time,
 * the level, the node id and, where known, the Raft term. Used by the Raft core, the driver and Nest.
 */
export class NodeLogger implements RaftLogger, LoggerService {
  constructor(
    private readonly nodeId: string,
    private readonly level: LogLevel,
    private readonly currentTerm: () => number | undefined = () => undefined,
  ) {}

  debug(message: string, fields: LogFields = {}): void {
    this.write('debug', message, fields);
  }

  info(message: string, fields: LogFields = {}): void {
    this.write('info', message, fields);
  }

  warn(message: string, fields: LogFields = {}): void {
    this.write('warn', message, fields);
  }

  error(message: string, fields: LogFields = {}): void {
    this.write('error', message, fields);
  }

  /** Nest's `log` is our `info`; its second argument is the context (a class name). */
  log(message: unknown, context?: unknown): void {
    this.write('info', String(message), typeof context === 'string' ? { context } : {});
  }

  verbose(message: unknown, context?: unknown): void {
    this.write('debug', String(message), typeof context === 'string' ? { context } : {});
  }

  private write(level: LogLevel, message: string, fields: LogFields | string): void {
    if (RANK[level] < RANK[this.level]) return;
    const extra = typeof fields === 'string' ? { context: fields } : fields;
    const line = JSON.stringify({
      time: new Date().toISOString(),
      level,
      nodeId: this.nodeId,
      term: this.currentTerm(),
      msg: message,
      ...extra,
    });
    if (level === 'error') process.stderr.write(`${line}\n`);
    else process.stdout.write(`${line}\n`);
  }
}
