/**
 * Test-only: a RaftLogStore in memory. It keeps what was persisted across driver restarts within one
 * test, so "kill and restart" keeps exactly the durable state.
 */
import { EMPTY_HARD_STATE, Entry, HardState, SnapshotMetadata } from '@falconmind/raft';
import { PersistedRaftState, RaftLogStore, RaftWriteBatch } from '../log-store';

export class InMemoryLogStore implements RaftLogStore {
  private hardState: HardState = EMPTY_HARD_STATE;
  private snapshot: SnapshotMetadata | undefined;
  private entries: Entry[] = [];
  persistCalls = 0;
  private held: Promise<void> | undefined;

  load(): Promise<PersistedRaftState> {
    return Promise.resolve({
      hardState: this.hardState,
      snapshot: this.snapshot,
      entries: [...this.entries],
    });
  }

  /** Stalls every write from now until the returned function is called: a disk that hangs. */
  holdWrites(): () => void {
    let release: () => void = () => undefined;
    this.held = new Promise<void>((resolve) => {
      release = resolve;
    });
    return () => {
      this.held = undefined;
      release();
    };
  }

  async persist(batch: RaftWriteBatch): Promise<void> {
    this.persistCalls++;
    await this.held;
    if (batch.installedSnapshot) {
      this.snapshot = batch.installedSnapshot;
      this.entries = [];
    }
    if (batch.entries.length > 0) {
      const from = batch.entries[0].index;
      this.entries = this.entries.filter((e) => e.index < from).concat(batch.entries);
    }
    if (batch.hardState) this.hardState = batch.hardState;
  }

  compact(metadata: SnapshotMetadata): Promise<void> {
    this.snapshot = metadata;
    this.entries = this.entries.filter((e) => e.index > metadata.index);
    return Promise.resolve();
  }
}
