import { applyConfChange, confChangeProblem, decodeConfChange } from './conf-change';
import { ConfState, Entry } from './types';

interface ConfPoint {
  readonly index: number;
  readonly confState: ConfState;
}

/**
 * Membership as recorded in the log. A change takes effect on every node as soon as its entry is in
 * that node's log, committed or not (Raft thesis §4.1), and is undone if the entry is truncated away.
 * This keeps, from the snapshot on, each index where the membership changed.
 */
export class ConfigHistory {
  private points: ConfPoint[];

  constructor(snapshotIndex: number, snapshotConf: ConfState) {
    this.points = [{ index: snapshotIndex, confState: snapshotConf }];
  }

  current(): ConfState {
    return this.points[this.points.length - 1].confState;
  }

  /** Index of the entry that set the current membership (the snapshot's index if none since). */
  currentIndex(): number {
    return this.points[this.points.length - 1].index;
  }

  /** Membership in force at `index`, for a snapshot taken there. */
  at(index: number): ConfState {
    for (let i = this.points.length - 1; i >= 0; i--) {
      if (this.points[i].index <= index) return this.points[i].confState;
    }
    return this.points[0].confState;
  }

  /**
   * Records entries appended to the log from `entries[0].index` on, forgetting any membership set by
   * the entries they replace. A conf-change entry that does not fit the membership before it is
   * ignored, the same way on every node (a correct leader never proposes one).
   */
  onAppend(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const from = entries[0].index;
    while (this.points.length > 1 && this.points[this.points.length - 1].index >= from)
      this.points.pop();
    for (const entry of entries) {
      if (entry.type !== 'conf-change') continue;
      const change = decodeConfChange(entry.data);
      const confState = this.current();
      if (confChangeProblem(confState, change) !== undefined) continue;
      this.points.push({ index: entry.index, confState: applyConfChange(confState, change) });
    }
  }

  /** A snapshot replaced the log. */
  restore(snapshotIndex: number, snapshotConf: ConfState): void {
    this.points = [{ index: snapshotIndex, confState: snapshotConf }];
  }
}
