/**
 * The KV store: entries with Consul's CreateIndex/ModifyIndex/Flags, check-and-set writes and
 * deletes, prefix reads, and tombstones so that the index of a read covering a deleted key keeps
 * growing (Consul keeps tombstones for the same reason).
 */
import { ChangeIndex } from './blocking-query';

export interface KvEntry {
  readonly key: string;
  readonly value: Buffer;
  readonly flags: number;
  readonly createIndex: number;
  readonly modifyIndex: number;
  readonly lockIndex: number;
}

export interface KvWrite {
  readonly key: string;
  readonly value: Buffer;
  readonly flags: number;
  /** `?cas=`: 0 creates only if absent, N > 0 writes only if the ModifyIndex is N. */
  readonly cas?: number;
}

export class KvStore {
  private readonly entries = new Map<string, KvEntry>();
  /** Key → index of its deletion. */
  private readonly tombstones = new Map<string, number>();

  constructor(private readonly changeIndex: ChangeIndex) {}

  get(key: string): KvEntry | undefined {
    return this.entries.get(key);
  }

  /** Entries whose key starts with `prefix`, in key order. */
  list(prefix: string): KvEntry[] {
    return [...this.entries.values()]
      .filter((entry) => entry.key.startsWith(prefix))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /**
   * Keys under `prefix`; with a separator, the keys below the next separator are folded into one
   * "directory" key ending with it, as `?keys&separator=/` does.
   */
  keys(prefix: string, separator: string): string[] {
    const found = new Set<string>();
    for (const entry of this.list(prefix)) {
      const rest = entry.key.slice(prefix.length);
      const cut = separator === '' ? -1 : rest.indexOf(separator);
      found.add(cut === -1 ? entry.key : prefix + rest.slice(0, cut + separator.length));
    }
    return [...found];
  }

  /**
   * The greatest index of an entry or tombstone matching the read (the key itself, or every key
   * under it with `recurse`); 0 when the read has never matched anything.
   */
  indexOf(key: string, recurse: boolean): number {
    const matches = (candidate: string): boolean =>
      recurse ? candidate.startsWith(key) : candidate === key;
    let index = 0;
    for (const entry of this.entries.values()) {
      if (matches(entry.key)) index = Math.max(index, entry.modifyIndex);
    }
    for (const [deletedKey, deletedAt] of this.tombstones) {
      if (matches(deletedKey)) index = Math.max(index, deletedAt);
    }
    return index;
  }

  /** Writes the entry; false when `cas` does not hold. */
  set(write: KvWrite): boolean {
    const existing = this.entries.get(write.key);
    if (write.cas !== undefined) {
      const held = write.cas === 0 ? !existing : existing?.modifyIndex === write.cas;
      if (!held) return false;
    }
    const index = this.changeIndex.next();
    this.entries.set(write.key, {
      key: write.key,
      value: write.value,
      flags: write.flags,
      createIndex: existing?.createIndex ?? index,
      modifyIndex: index,
      lockIndex: existing?.lockIndex ?? 0,
    });
    this.tombstones.delete(write.key);
    return true;
  }

  /**
   * Deletes the key (or every key under it with `recurse`); with `cas`, only if its ModifyIndex is
   * that value. Deleting what is absent succeeds, as in Consul.
   */
  delete(key: string, options: { recurse: boolean; cas?: number }): boolean {
    if (options.cas !== undefined && !options.recurse) {
      const existing = this.entries.get(key);
      // Consul answers true for an absent key whatever the cas index.
      if (!existing) return true;
      if (existing.modifyIndex !== options.cas) return false;
    }
    const doomed = options.recurse
      ? this.list(key).map((entry) => entry.key)
      : this.entries.has(key)
        ? [key]
        : [];
    if (doomed.length === 0) return true;
    const index = this.changeIndex.next();
    for (const doomedKey of doomed) {
      this.entries.delete(doomedKey);
      this.tombstones.set(doomedKey, index);
    }
    return true;
  }
}
