import path from 'node:path';
import { RaftLogStoreKind } from '@falconmind/config';
import { RaftLogger } from '@falconmind/raft';
import { DataSource } from 'typeorm';
import { FileLogStore, LOG_FILE_NAME } from '../file-log-store';
import { PersistedRaftState, RaftLogStore } from '../log-store';
import { TypeormLogStore } from '../typeorm-log-store';

/** The directory under DATA_DIR that holds the Raft log file. */
export const RAFT_LOG_DIRECTORY = 'raft-log';

/** The Raft log store a node runs on, opened and checked against its database. */
export class NodeLogStore {
  readonly store: RaftLogStore;
  private readonly file: FileLogStore | undefined;
  private readonly directory: string;

  constructor(
    private readonly kind: RaftLogStoreKind,
    dataDir: string,
    private readonly dataSource: DataSource,
    private readonly logger: RaftLogger,
  ) {
    this.directory = path.join(dataDir, RAFT_LOG_DIRECTORY);
    this.file = kind === 'file' ? new FileLogStore(this.directory) : undefined;
    this.store = this.file ?? new TypeormLogStore(dataSource);
  }

  /**
   * Opens the store and reads it back. A node moving to the file store takes what its database's
   * log tables hold (nothing, for a new node) as the file's first record, then empties them. Refuses to start where
   * the log and the state machine's applied index cannot belong together: a log lost (or left in
   * the other store) while the database kept the state, or a database behind the log's snapshot.
   */
  async open(appliedIndex: number): Promise<PersistedRaftState> {
    const fileExists = await FileLogStore.exists(this.directory);
    if (!this.file) {
      if (fileExists) {
        throw new Error(
          `this node's Raft log is in ${path.join(this.directory, LOG_FILE_NAME)} (RAFT_LOG_STORE=file): ` +
            'set RAFT_LOG_STORE=file to keep using it; the database tables hold an older log',
        );
      }
    } else if (!fileExists) {
      const moved = await new TypeormLogStore(this.dataSource).load();
      await this.file.open(moved);
      // The file holds the log now (flushed, its name too). Emptied, the tables can never be
      // taken for it again: a node that later loses its file finds no stale term, vote or log
      // to start from, and the applied-index check below refuses it instead.
      await this.dataSource.query('TRUNCATE "raft_log", "raft_hard_state", "raft_snapshot"');
      if (moved.hardState.term > 0) {
        this.logger.info('moved the Raft log from the database to the log file', {
          file: path.join(this.directory, LOG_FILE_NAME),
          entries: moved.entries.length,
          snapshotIndex: moved.snapshot?.index ?? 0,
        });
      }
    } else {
      const { tornTailBytes } = await this.file.open();
      if (tornTailBytes > 0) {
        this.logger.warn('cut off a torn last write of the Raft log file (never acknowledged)', {
          bytes: tornTailBytes,
        });
      }
    }
    const stored = await this.store.load();
    const snapshotIndex = stored.snapshot?.index ?? 0;
    const lastIndex = stored.entries.at(-1)?.index ?? snapshotIndex;
    if (appliedIndex > lastIndex) {
      throw new Error(
        `the database has applied the Raft log up to ${appliedIndex}, but the log ends at ${lastIndex}: ` +
          `the log was lost (${this.where()}). Restore it, or empty both the database and ${this.directory} ` +
          'and add the node again as a new member',
      );
    }
    if (appliedIndex < snapshotIndex) {
      throw new Error(
        `the Raft log was compacted to ${snapshotIndex}, but the database has applied only up to ${appliedIndex}: ` +
          `the database was reset. Restore it, or empty both the database and ${this.directory} ` +
          'and add the node again as a new member',
      );
    }
    return stored;
  }

  async close(): Promise<void> {
    await this.file?.close();
  }

  private where(): string {
    return this.kind === 'file'
      ? `${this.directory} is DATA_DIR's; keep DATA_DIR on a volume`
      : 'the raft_log tables';
  }
}
