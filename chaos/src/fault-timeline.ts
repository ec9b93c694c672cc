/**
 * The fault timeline (faults.jsonl): when each fault started and ended, on which nodes or links,
 * and what the nodes did by themselves that matters (snapshots). Its `time` is on the same clock as
 * the history's, so an odd operation can be placed among the faults around it.
 */
import { createWriteStream, WriteStream } from 'node:fs';
import { TimelineKind } from './nemesis-schedule';

export type TimelineEventType =
  /** A fault began (`kind` says which). */
  | 'start'
  /** It was healed. */
  | 'end'
  /** Something the nodes did on their own, e.g. a snapshot. */
  | 'observed'
  /** A step that could not be carried out, and why. */
  | 'skipped'
  /** The harness's own milestones: cluster up, workload start/stop, final heal. */
  | 'run';

export interface TimelineEvent {
  readonly time: number;
  readonly wall: string;
  readonly event: TimelineEventType;
  readonly kind?: TimelineKind;
  readonly nodes?: readonly string[];
  readonly links?: readonly string[];
  readonly detail?: Readonly<Record<string, unknown>>;
}

export class FaultTimeline {
  private readonly out: WriteStream;
  private readonly events: TimelineEvent[] = [];
  private readonly listeners: Array<(event: TimelineEvent) => void> = [];

  constructor(
    file: string,
    private readonly clock: () => number,
  ) {
    this.out = createWriteStream(file, { flags: 'w' });
  }

  record(event: Omit<TimelineEvent, 'time' | 'wall'>): TimelineEvent {
    const full: TimelineEvent = { time: this.clock(), wall: new Date().toISOString(), ...event };
    this.events.push(full);
    this.out.write(`${JSON.stringify(full)}\n`);
    for (const listener of this.listeners) listener(full);
    return full;
  }

  onEvent(listener: (event: TimelineEvent) => void): void {
    this.listeners.push(listener);
  }

  all(): readonly TimelineEvent[] {
    return this.events;
  }

  /** Faults injected by the nemesis (snapshots, which the nodes take themselves, not counted). */
  get faultCount(): number {
    return this.events.filter((e) => e.event === 'start').length;
  }

  /** Every kind that started or was observed at least once. */
  kindsSeen(): Set<TimelineKind> {
    const kinds = new Set<TimelineKind>();
    for (const e of this.events) {
      if ((e.event === 'start' || e.event === 'observed') && e.kind) kinds.add(e.kind);
    }
    return kinds;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.out.end(() => resolve()));
  }
}
