import assert from 'node:assert/strict';
import {
  ConfState,
  Entry,
  EntryType,
  HardState,
  MemoryStorage,
  SeededRandom,
  SnapshotMetadata,
} from '@falconmind/raft';
import { PersistedRaftState, RaftLogStore } from '../log-store';

const EMPTY = new Uint8Array(0);

/** What `load` should return for what a MemoryStorage holds. */
export function stateOf(storage: MemoryStorage): PersistedRaftState {
  const hardState = storage.getHardState();
  const first = storage.firstIndex();
  const last = storage.lastIndex();
  const entries = last >= first ? storage.entries(first, last + 1, Number.POSITIVE_INFINITY) : [];
  const snapshot = storage.snapshot().metadata;
  return snapshot.index > 0 ? { hardState, snapshot, entries } : { hardState, entries };
}

/**
 * Applies `count` random writes of the kinds a node makes (appends that extend or overwrite the log,
 * hard states, local compactions, snapshots installed from a leader, and stale or covered variants of
 * each) to the store and to a MemoryStorage, comparing `load()` with the MemoryStorage after each.
 */
export async function replayRandomOperations(
  store: RaftLogStore,
  seed: number,
  count: number,
): Promise<void> {
  const random = new SeededRandom(seed);
  const memory = new MemoryStorage();
  let term = 1;

  const randomData = (): Uint8Array => {
    const length = random.nextInt(4) === 0 ? 0 : random.nextInt(24);
    // Zero bytes often: they must survive the round trip.
    return Uint8Array.from({ length }, () => (random.nextInt(3) === 0 ? 0 : random.nextInt(256)));
  };
  const randomEntries = (from: number, length: number): Entry[] =>
    Array.from({ length }, (_, i): Entry => {
      const type: EntryType = random.nextInt(8) === 0 ? 'conf-change' : 'normal';
      return { index: from + i, term, type, data: randomData() };
    });
  const randomConf = (): ConfState => {
    const nodes = ['a', 'b', 'c', 'd', 'e'].filter(() => random.nextInt(2) === 0);
    const learners = nodes.filter(() => random.nextInt(3) === 0);
    return { voters: nodes.filter((n) => !learners.includes(n)), learners };
  };
  const maybeHardState = (): HardState | undefined => {
    if (random.nextInt(2) === 0) return undefined;
    const votes = ['', 'a', 'b', 'c'];
    return {
      term,
      vote: votes[random.nextInt(votes.length)],
      commit: random.nextInt(memory.lastIndex() + 1),
    };
  };

  for (let step = 0; step < count; step++) {
    if (random.nextInt(6) === 0) term += 1 + random.nextInt(2);
    const first = memory.firstIndex();
    const last = memory.lastIndex();
    const snapshotIndex = memory.snapshot().metadata.index;
    const roll = random.nextInt(100);
    let operation: string;

    if (roll < 55) {
      // Append: usually at the end, sometimes over a conflicting suffix, sometimes from under the
      // snapshot (partly or wholly covered), rarely a batch that needs several INSERTs.
      const kind = random.nextInt(10);
      let from = last + 1;
      if (kind < 3 && last >= first) from = first + random.nextInt(last - first + 1);
      if (kind === 3 && first > 1) from = Math.max(1, first - 1 - random.nextInt(4));
      const length = random.nextInt(40) === 0 ? 1250 + random.nextInt(2000) : random.nextInt(8);
      const entries = randomEntries(from, length);
      const hardState = maybeHardState();
      operation = `append ${from}+${length}`;
      await store.persist({ entries, hardState });
      memory.append(entries);
      if (hardState) memory.setHardState(hardState);
    } else if (roll < 70) {
      const hardState = maybeHardState() ?? { term, vote: '', commit: last };
      operation = 'hard state';
      await store.persist({ entries: [], hardState });
      memory.setHardState(hardState);
    } else if (roll < 85) {
      // A local snapshot and compaction, or a stale one that must change nothing.
      if (last > snapshotIndex && random.nextInt(5) > 0) {
        const index = snapshotIndex + 1 + random.nextInt(last - snapshotIndex);
        const { metadata } = memory.createSnapshot(index, randomConf(), EMPTY);
        memory.compact(index);
        operation = `compact ${index}`;
        await store.compact(metadata);
      } else {
        const index = random.nextInt(snapshotIndex + 1);
        operation = `stale compact ${index}`;
        await store.compact({ index, term: 1, confState: randomConf() });
      }
    } else {
      // A snapshot from the leader (behind, at or past our last index), or an older one, ignored.
      const index =
        random.nextInt(4) === 0
          ? random.nextInt(snapshotIndex + 1)
          : snapshotIndex + 1 + random.nextInt(last - snapshotIndex + 5);
      const metadata: SnapshotMetadata = { index, term, confState: randomConf() };
      const entries = randomEntries(index + 1, random.nextInt(4));
      const hardState = { term, vote: '', commit: Math.max(index, memory.getHardState().commit) };
      operation = `install snapshot ${index}`;
      await store.persist({ installedSnapshot: metadata, entries, hardState });
      memory.applySnapshot({ metadata, data: EMPTY });
      memory.append(entries);
      memory.setHardState(hardState);
    }

    assert.deepEqual(
      await store.load(),
      stateOf(memory),
      `seed ${seed}, step ${step}: ${operation}`,
    );
  }
}
