import { promises as fs } from 'node:fs';
import path from 'node:path';
import { SnapshotMetadata } from '@falconmind/raft';
import { decodeLogFile, encodeLogRecord, LogRecord } from './log-file-records';
import { LogFileState, recordOf } from './log-file-state';
import {
  checkContiguous,
  CorruptRaftLogError,
  PersistedRaftState,
  RaftLogStore,
  RaftWriteBatch,
} from './log-store';

/** The log file's name in its directory, and the name a rewrite is prepared under. */
export const LOG_FILE_NAME = 'raft.log';
const REWRITE_FILE_NAME = 'raft.log.rewrite';

/** A file this much larger than its live content (and at least this large) is rewritten. */
const REWRITE_MIN_BYTES = 16 * 1024 * 1024;
const REWRITE_GROWTH_FACTOR = 4;

export interface FileLogStoreOptions {
  /** The smallest file a compaction rewrites (default 16 MiB); tests make it small. */
  readonly rewriteMinBytes?: number;
}

/** What opening the file found, for the node to log. */
export interface LogFileOpened {
  /** Bytes of a torn last append, cut off: a write that was never acknowledged. */
  readonly tornTailBytes: number;
}

/**
 * The Raft log, hard state and snapshot metadata in one append-only file (etcd's WAL, in miniature):
 * each `persist` or `compact` appends one checksummed record and flushes it (`fdatasync`) before
 * its promise resolves. A crash can only tear the last append, which was never acknowledged:
 * opening the file cuts it off. The file is rewritten (to a new file, flushed, then renamed over
 * the old one) once compactions have left it mostly dead.
 *
 * Against the PostgreSQL store it saves, on every node and every `Ready`, a round trip to the
 * database and a transaction's commit in the same write-ahead log the state machine's commits
 * wait on (docs/performance.md, "The fifth round").
 *
 * Writes are queued: a `compact` called while a `persist` is in flight is written after it.
 */
export class FileLogStore implements RaftLogStore {
  private readonly file: string;
  private state = new LogFileState();
  private handle: fs.FileHandle | undefined;
  private fileBytes = 0;
  private queue: Promise<unknown> = Promise.resolve();
  /** Set when the file's state is no longer known (a rewrite failed after its rename). */
  private failure: Error | undefined;

  private readonly rewriteMinBytes: number;

  constructor(
    private readonly directory: string,
    options: FileLogStoreOptions = {},
  ) {
    this.file = path.join(directory, LOG_FILE_NAME);
    this.rewriteMinBytes = options.rewriteMinBytes ?? REWRITE_MIN_BYTES;
  }

  /** The file's size: what was appended since it was created or last rewritten. */
  get sizeBytes(): number {
    return this.fileBytes;
  }

  /** Whether a log file exists in `directory` (a node that has used this store before). */
  static async exists(directory: string): Promise<boolean> {
    try {
      await fs.access(path.join(directory, LOG_FILE_NAME));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Opens (or creates) the file and reads it back. `initial` seeds a file created now, in the same
   * flushed write: the state another store held, when a node moves its log here.
   */
  async open(initial?: PersistedRaftState): Promise<LogFileOpened> {
    await this.close();
    const created = await fs.mkdir(this.directory, { recursive: true });
    // Directories made now must survive a crash as surely as the file in them: each is flushed,
    // and the one that holds the first of them.
    if (created !== undefined) {
      const top = path.dirname(created);
      for (let dir = this.directory; ; dir = path.dirname(dir)) {
        await syncDirectory(dir);
        if (dir === top || dir === path.dirname(dir)) break;
      }
    }
    // A rewrite that did not reach its rename: the old file is still whole. And whatever rename
    // or removal an earlier run left in the directory's cache is made durable before any write.
    await fs.rm(path.join(this.directory, REWRITE_FILE_NAME), { force: true });
    await syncDirectory(this.directory);
    let bytes: Buffer | undefined;
    try {
      bytes = await fs.readFile(this.file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (bytes === undefined) {
      const first = initial ? recordOf(initial) : undefined;
      await this.replaceFile(first ? [first] : []);
      return { tornTailBytes: 0 };
    }
    const { records, validBytes, corruptAt } = decodeLogFile(bytes);
    if (corruptAt !== undefined) {
      throw new CorruptRaftLogError(
        `${this.file} is damaged at byte ${corruptAt} of ${bytes.length}, with records after it: ` +
          'restore it from a backup, or empty DATA_DIR and the database and add the node again',
      );
    }
    const state = LogFileState.of(records);
    const handle = await fs.open(this.file, 'r+');
    if (validBytes < bytes.length) {
      await handle.truncate(validBytes);
      await handle.datasync();
    }
    this.state = state;
    this.handle = handle;
    this.fileBytes = validBytes;
    this.failure = undefined;
    return { tornTailBytes: bytes.length - validBytes };
  }

  async load(): Promise<PersistedRaftState> {
    await this.queue;
    this.usable();
    return this.state.persisted();
  }

  async persist(batch: RaftWriteBatch): Promise<void> {
    checkContiguous(batch.entries);
    if (batch.entries.length === 0 && !batch.hardState && !batch.installedSnapshot) return;
    await this.enqueue({
      ...(batch.installedSnapshot ? { installedSnapshot: batch.installedSnapshot } : {}),
      entries: batch.entries,
      ...(batch.hardState ? { hardState: batch.hardState } : {}),
    });
  }

  async compact(metadata: SnapshotMetadata): Promise<void> {
    await this.enqueue({ compactedTo: metadata, entries: [] });
    await this.enqueueRewriteIfMostlyDead();
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.handle?.close();
    this.handle = undefined;
  }

  /** Appends and flushes one record after those before it; the state moves once it is durable. */
  private enqueue(record: LogRecord): Promise<void> {
    const write = this.queue.then(async () => {
      const handle = this.usable();
      const bytes = encodeLogRecord(record);
      await writeFully(handle, bytes, this.fileBytes);
      await handle.datasync();
      this.fileBytes += bytes.length;
      this.state.apply(record);
    });
    // A failed write fails its caller (the driver stops the node); the queue goes on.
    this.queue = write.catch(() => undefined);
    return write;
  }

  private enqueueRewriteIfMostlyDead(): Promise<void> {
    const rewrite = this.queue.then(async () => {
      this.usable();
      const live = this.state.liveBytes;
      if (this.fileBytes < Math.max(this.rewriteMinBytes, live * REWRITE_GROWTH_FACTOR)) return;
      await this.replaceFile([this.state.asRecord()]);
    });
    this.queue = rewrite.catch(() => undefined);
    return rewrite;
  }

  /**
   * Makes `records` the whole file, atomically: written and flushed under another name, renamed
   * over the file, and the directory flushed so that the rename survives a crash. The new file's
   * handle is opened before the rename, so that appends never go to the file it replaced; a
   * failure after the rename leaves the store refusing every call until it is opened again.
   */
  private async replaceFile(records: readonly LogRecord[]): Promise<void> {
    const next = path.join(this.directory, REWRITE_FILE_NAME);
    const bytes = Buffer.concat(records.map(encodeLogRecord));
    const handle = await fs.open(next, 'w+');
    try {
      await writeFully(handle, bytes, 0);
      await handle.datasync();
      await fs.rename(next, this.file);
    } catch (error) {
      await handle.close();
      throw error;
    }
    const previous = this.handle;
    this.handle = handle;
    this.fileBytes = bytes.length;
    this.state = LogFileState.of(records);
    try {
      await syncDirectory(this.directory);
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      await previous?.close();
    }
  }

  /** The open handle, unless the store is closed or failed. */
  private usable(): fs.FileHandle {
    if (this.failure) {
      throw new Error(
        `the Raft log file ${this.file} is in an unknown state: ${this.failure.message}`,
      );
    }
    if (!this.handle) throw new Error(`the Raft log file ${this.file} is not open`);
    return this.handle;
  }
}

/** Writes all of `bytes` at `position`: a write may take fewer bytes than it was given. */
async function writeFully(handle: fs.FileHandle, bytes: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const { bytesWritten } = await handle.write(
      bytes,
      written,
      bytes.length - written,
      position + written,
    );
    if (bytesWritten <= 0) throw new Error('the Raft log file took no bytes (is the disk full?)');
    written += bytesWritten;
  }
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await fs.open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
