import { bootstrapEntries } from './conf-change';
import { CompactedError, RaftInvariantError, UnavailableError } from './errors';
import { InitialState, Storage } from './storage';
import {
  ConfState,
  EMPTY_CONF_STATE,
  EMPTY_HARD_STATE,
  Entry,
  HardState,
  NO_NODE,
  Snapshot,
} from './types';

const EMPTY_DATA = new Uint8Array(0);

/**
 * Storage kept in memory. Simulations use it as the "disk" that survives a crash; hosts use it as the
 * mirror of what they have persisted elsewhere. The writers (`append`, `setHardState`, `applySnapshot`,
 * `createSnapshot`, `compact`) must be called only once the data is durable.
 */
export class MemoryStorage implements Storage {
  private hardState: HardState = EMPTY_HARD_STATE;
  private latestSnapshot: Snapshot = {
    metadata: { index: 0, term: 0, confState: EMPTY_CONF_STATE },
    data: EMPTY_DATA,
  };
  /** log[0] is a placeholder holding the index and term of the latest snapshot. */
  private log: Entry[] = [{ index: 0, term: 0, type: 'normal', data: EMPTY_DATA }];

  /**
   * The storage of a founding member of a new cluster: the bootstrap log (see `bootstrapEntries`),
   * committed. Every founding member must be given the same membership.
   */
  static bootstrap(confState: ConfState): MemoryStorage {
    const storage = new MemoryStorage();
    const entries = bootstrapEntries(confState);
    storage.append(entries);
    storage.setHardState({ term: 1, vote: NO_NODE, commit: entries.length });
    return storage;
  }

  initialState(): InitialState {
    return { hardState: this.hardState, confState: this.latestSnapshot.metadata.confState };
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    const offset = this.log[0].index;
    if (lo <= offset) throw new CompactedError(lo);
    if (hi > this.lastIndex() + 1) throw new UnavailableError(hi - 1);
    const result: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      const entry = this.log[i - offset];
      bytes += entry.data.byteLength;
      if (result.length > 0 && bytes > maxBytes) break;
      result.push(entry);
    }
    return result;
  }

  term(index: number): number {
    const offset = this.log[0].index;
    if (index < offset) throw new CompactedError(index);
    if (index - offset >= this.log.length) throw new UnavailableError(index);
    return this.log[index - offset].term;
  }

  firstIndex(): number {
    return this.log[0].index + 1;
  }

  lastIndex(): number {
    return this.log[0].index + this.log.length - 1;
  }

  snapshot(): Snapshot {
    return this.latestSnapshot;
  }

  getHardState(): HardState {
    return this.hardState;
  }

  setHardState(hardState: HardState): void {
    this.hardState = hardState;
  }

  /** Replaces the whole log with a snapshot received from the leader. Older snapshots are ignored. */
  applySnapshot(snapshot: Snapshot): void {
    if (snapshot.metadata.index <= this.latestSnapshot.metadata.index) return;
    this.latestSnapshot = snapshot;
    this.log = [
      {
        index: snapshot.metadata.index,
        term: snapshot.metadata.term,
        type: 'normal',
        data: EMPTY_DATA,
      },
    ];
  }

  /**
   * Records a snapshot the host's state machine made at `index` (at most the last index). Drops no
   * entries: `compact` does that, usually keeping a tail for slow followers.
   */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    if (index <= this.latestSnapshot.metadata.index) return this.latestSnapshot;
    if (index > this.lastIndex()) {
      throw new RaftInvariantError(
        `snapshot index ${index} is past the last index ${this.lastIndex()}`,
      );
    }
    this.latestSnapshot = { metadata: { index, term: this.term(index), confState }, data };
    return this.latestSnapshot;
  }

  /** Drops every entry up to and including `compactIndex`, which must not pass the applied index. */
  compact(compactIndex: number): void {
    const offset = this.log[0].index;
    if (compactIndex <= offset) return;
    if (compactIndex > this.latestSnapshot.metadata.index) {
      // The snapshot is what stands for the dropped entries (and the membership they recorded).
      throw new RaftInvariantError(
        `compact index ${compactIndex} is past the latest snapshot ${this.latestSnapshot.metadata.index}: create the snapshot first`,
      );
    }
    if (compactIndex > this.lastIndex()) {
      throw new RaftInvariantError(
        `compact index ${compactIndex} is past the last index ${this.lastIndex()}`,
      );
    }
    const kept = this.log.slice(compactIndex - offset);
    kept[0] = { index: kept[0].index, term: kept[0].term, type: 'normal', data: EMPTY_DATA };
    this.log = kept;
  }

  /**
   * Appends persisted entries, replacing any suffix they conflict with. Entries already compacted are
   * skipped. Amortised O(entries appended), whatever the length of the log.
   */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    if (entries[entries.length - 1].index < first) return;
    const fresh = entries[0].index < first ? entries.slice(first - entries[0].index) : entries;
    const offset = fresh[0].index - this.log[0].index;
    if (offset > this.log.length) {
      throw new RaftInvariantError(
        `missing log entries: last index ${this.lastIndex()}, appending at ${fresh[0].index}`,
      );
    }
    // In place: copying the log on every append made each append cost the whole log (O(n) per
    // Ready, quadratic over a snapshot interval). Truncating a conflicting suffix is as cheap.
    if (offset < this.log.length) this.log.length = offset;
    for (const entry of fresh) this.log.push(entry);
  }
}
