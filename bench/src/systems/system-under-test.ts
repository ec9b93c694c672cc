import { LoadTarget } from '../load/load-protocol';
import { MonitoredProcess } from '../usage-monitor';

export type SystemName = 'falconmind' | 'etcd';

export const SYSTEM_TITLES: Record<SystemName, string> = {
  falconmind: 'FalconMind',
  etcd: 'etcd',
};

/** How far one member has got: the index it has applied, or undefined while it does not answer. */
export interface MemberProgress {
  readonly applied: number | undefined;
}

/**
 * A three-member cluster the workloads can measure and hurt, the same way for both systems. Members
 * are numbered 0..memberCount-1 in the order of `target()`'s addresses.
 */
export interface SystemUnderTest {
  readonly name: SystemName;
  readonly memberCount: number;
  /** Where the load generator sends requests. */
  target(): LoadTarget;
  /** The member that leads now, once the members agree on one. */
  leaderIndex(timeoutMs?: number): Promise<number>;
  /** The commit index the leader reports. */
  leaderCommitIndex(): Promise<number>;
  memberProgress(member: number): Promise<MemberProgress>;
  /** kill -9 of one member's process; its data stays. */
  killMember(member: number): Promise<void>;
  /** Starts a killed or stopped member again on its data and waits until it answers. */
  startMember(member: number): Promise<void>;
  /** Starts members that are down, then waits until one leader is agreed on and every member applied its commit index. */
  awaitConverged(timeoutMs: number): Promise<void>;
  /** Restarts every member so that each snapshots every `entries` applied entries from then on. */
  snapshotEvery(entries: number): Promise<void>;
  /** The leader's latest snapshot index, where the system tells (undefined where it does not). */
  snapshotIndex(): Promise<number | undefined>;
  /** Entries the leader applies before its next snapshot, where the system tells. */
  entriesUntilNextSnapshot(): Promise<number | undefined>;
  /** How many of these written keys some member does not hold (read from each member's own state). */
  countMissingKeys(keys: readonly string[]): Promise<number>;
  /**
   * One member's processes now: the member itself and, for FalconMind, the database backends that
   * work only for it (read after `refreshMonitoring`).
   */
  memberPids(member: number): readonly number[];
  /** The processes to measure: each member, and for FalconMind the database backends of each. */
  monitoredProcesses(): MonitoredProcess[];
  /**
   * Members that exited without the benchmark stopping them since the last call, each described
   * with its last output (a crash is a finding, not noise).
   */
  takeCrashes(): string[];
  /** Refreshes what `monitoredProcesses` reads (after a restart). */
  refreshMonitoring(): Promise<void>;
  close(): Promise<void>;
}
