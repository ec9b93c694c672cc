import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';

/**
 * Where snapshot images live while they are taken, sent, received and restored. A Raft snapshot's
 * `data` carries the image's *reference* from this store, never the image itself (as etcd sends its
 * backend database beside the Raft message), so that an image of any size streams through the store
 * a chunk at a time instead of being held in memory. The core never looks inside `data`.
 */
export interface SnapshotStore {
  /** Starts a new image; its chunks are appended in order. */
  begin(): Promise<SnapshotImageWriter>;
  /** The image's size in bytes. */
  size(ref: Uint8Array): Promise<number>;
  /** `length` bytes of the image from `offset` (fewer at its end). */
  read(ref: Uint8Array, offset: number, length: number): Promise<Uint8Array>;
  /** The image from its start, a chunk at a time. */
  chunks(ref: Uint8Array): AsyncIterable<Uint8Array>;
  /** Frees the image; its reference must not be used again. */
  release(ref: Uint8Array): Promise<void>;
}

export interface SnapshotImageWriter {
  append(chunk: Uint8Array): Promise<void>;
  /** Closes the image and returns its reference. */
  finish(): Promise<Uint8Array>;
  /** Drops what was written. */
  abort(): Promise<void>;
}

/** Size of the chunks `chunks()` yields. */
const READ_CHUNK_BYTES = 256 * 1024;

/**
 * The SHA-256 of images made by {@link writeSnapshotImage}, by reference (the same object the
 * snapshot's `data` carries): taken while the bytes pass on their way to the store, so that sending
 * an image does not first read all of it back to hash it.
 */
const digestsWhileWritten = new WeakMap<Uint8Array, Buffer>();

/** The SHA-256 of an image, where it was taken while the image was written; else undefined. */
export function sha256WhileWritten(ref: Uint8Array): Buffer | undefined {
  return digestsWhileWritten.get(ref);
}

/** Writes a whole image produced by `produce` into `store`; returns its reference. */
export async function writeSnapshotImage(
  store: SnapshotStore,
  produce: (sink: (chunk: Uint8Array) => Promise<void>) => Promise<void>,
): Promise<Uint8Array> {
  const writer = await store.begin();
  const hash = createHash('sha256');
  try {
    await produce((chunk) => {
      hash.update(chunk);
      return writer.append(chunk);
    });
  } catch (error) {
    await writer.abort();
    throw error;
  }
  const ref = await writer.finish();
  digestsWhileWritten.set(ref, hash.digest());
  return ref;
}

/**
 * Images kept in memory, the reference being the image itself. For tests and in-process
 * simulations, where images are small and nodes share no disk.
 */
export class MemorySnapshotStore implements SnapshotStore {
  begin(): Promise<SnapshotImageWriter> {
    const parts: Uint8Array[] = [];
    return Promise.resolve({
      append: (chunk) => {
        parts.push(Uint8Array.from(chunk));
        return Promise.resolve();
      },
      finish: () => Promise.resolve(new Uint8Array(Buffer.concat(parts))),
      abort: () => Promise.resolve(),
    });
  }

  size(ref: Uint8Array): Promise<number> {
    return Promise.resolve(ref.length);
  }

  read(ref: Uint8Array, offset: number, length: number): Promise<Uint8Array> {
    return Promise.resolve(ref.subarray(offset, Math.min(ref.length, offset + length)));
  }

  async *chunks(ref: Uint8Array): AsyncIterable<Uint8Array> {
    for (let offset = 0; offset < ref.length; offset += READ_CHUNK_BYTES) {
      yield await this.read(ref, offset, READ_CHUNK_BYTES);
    }
  }

  release(): Promise<void> {
    return Promise.resolve();
  }
}

const FILE_REF_PREFIX = 'snapshot-file:';
const FILE_SUFFIX = '.snap';
const PARTIAL_SUFFIX = '.partial';

/**
 * Images as files in one directory of the node's own (DATA_DIR/snapshots). They are transient: the
 * state machine's tables are the durable state, so the directory is emptied when the node starts.
 */
export class FileSnapshotStore implements SnapshotStore {
  constructor(private readonly directory: string) {}

  /** Creates the directory and removes images a previous run left behind. */
  async open(): Promise<void> {
    await fs.mkdir(this.directory, { recursive: true });
    for (const name of await fs.readdir(this.directory)) {
      if (name.endsWith(FILE_SUFFIX) || name.endsWith(PARTIAL_SUFFIX)) {
        await fs.rm(path.join(this.directory, name), { force: true });
      }
    }
  }

  async begin(): Promise<SnapshotImageWriter> {
    const name = `${Date.now()}-${randomBytes(6).toString('hex')}${FILE_SUFFIX}`;
    const partial = path.join(this.directory, name + PARTIAL_SUFFIX);
    const handle = await fs.open(partial, 'w');
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await handle.close();
    };
    return {
      append: async (chunk) => {
        await handle.write(chunk);
      },
      finish: async () => {
        await close();
        await fs.rename(partial, path.join(this.directory, name));
        return new TextEncoder().encode(FILE_REF_PREFIX + name);
      },
      abort: async () => {
        await close();
        await fs.rm(partial, { force: true });
      },
    };
  }

  async size(ref: Uint8Array): Promise<number> {
    return (await fs.stat(this.pathOf(ref))).size;
  }

  async read(ref: Uint8Array, offset: number, length: number): Promise<Uint8Array> {
    const handle = await fs.open(this.pathOf(ref), 'r');
    try {
      return await readAt(handle, offset, length);
    } finally {
      await handle.close();
    }
  }

  async *chunks(ref: Uint8Array): AsyncIterable<Uint8Array> {
    const handle = await fs.open(this.pathOf(ref), 'r');
    try {
      for (let offset = 0; ; offset += READ_CHUNK_BYTES) {
        const chunk = await readAt(handle, offset, READ_CHUNK_BYTES);
        if (chunk.length === 0) return;
        yield chunk;
      }
    } finally {
      await handle.close();
    }
  }

  async release(ref: Uint8Array): Promise<void> {
    await fs.rm(this.pathOf(ref), { force: true });
  }

  /** The file a reference names, refusing anything but a plain file name of this store. */
  private pathOf(ref: Uint8Array): string {
    const text = new TextDecoder().decode(ref);
    const name = text.startsWith(FILE_REF_PREFIX) ? text.slice(FILE_REF_PREFIX.length) : '';
    if (!/^[\w-]+\.snap$/.test(name)) {
      throw new Error(
        `not a snapshot reference of this node: ${JSON.stringify(text.slice(0, 80))}`,
      );
    }
    return path.join(this.directory, name);
  }
}

async function readAt(handle: FileHandle, offset: number, length: number): Promise<Uint8Array> {
  const buffer = Buffer.allocUnsafe(length);
  const { bytesRead } = await handle.read(buffer, 0, length, offset);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, bytesRead);
}
