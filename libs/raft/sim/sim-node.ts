import {
  Entry,
  MemoryStorage,
  NodeId,
  RaftConfig,
  RawNode,
  ReadState,
  Ready,
} from '@falconmind/raft';
import { SimNetwork } from './sim-network';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** What the simulation learns from a node's host as it works; the checkers hang off these. */
export interface NodeObserver {
  /** A Ready was made durable (before its messages leave). */
  onPersisted(node: SimNode, ready: Ready): void;
  /** The state machine applied `value` at `index` (or restored it from a snapshot). */
  onApplied(
    node: SimNode,
    index: number,
    term: number | undefined,
    value: string,
    proposedHere: boolean,
  ): void;
  /** A read point was confirmed to this node. */
  onReadState(node: SimNode, readState: ReadState): void;
  /** Something the host itself saw go wrong. */
  onViolation(message: string): void;
  trace(line: string): void;
}

/** The value an entry stands for in the checked history. */
export function entryValue(entry: Entry): string {
  const text = decoder.decode(entry.data);
  return entry.type === 'conf-change' ? `conf:${text}` : text;
}

/**
 * The host of one simulated node: a RawNode, its "disk" (a MemoryStorage that survives crashes), and
 * a state machine that records what it applied. It follows the host contract of `Ready` exactly:
 * persist, then send, then apply, then advance. A slow disk delays the whole Ready, messages included.
 */
export class SimNode {
  raw: RawNode | undefined;
  paused = false;
  /** Ticks that passed while paused: delivered on resume, as a monotonic clock would. */
  missedTicks = 0;
  diskDelayTicks = 0;
  /** The state machine: applied (index, value) pairs, durable together with `appliedIndex`. */
  applied: Array<readonly [number, string]> = [];
  appliedIndex = 0;
  /** Values proposed through this node and not yet applied here. */
  readonly proposals = new Set<string>();
  private inFlightReady: { ready: Ready; doneAt: number } | undefined;

  constructor(
    readonly id: NodeId,
    readonly storage: MemoryStorage,
    private readonly makeConfig: (id: NodeId, storage: MemoryStorage) => RaftConfig,
    private readonly observer: NodeObserver,
  ) {}

  get up(): boolean {
    return this.raw !== undefined;
  }

  /** Starts (or restarts) the process from what is on disk. */
  start(): void {
    this.raw = new RawNode(this.makeConfig(this.id, this.storage));
    this.paused = false;
    this.missedTicks = 0;
  }

  /** kill -9: everything not yet durable is lost, including a Ready being written. */
  crash(): void {
    this.raw = undefined;
    this.inFlightReady = undefined;
    this.paused = false;
    this.proposals.clear();
  }

  tick(): void {
    if (!this.raw) return;
    if (this.paused) this.missedTicks++;
    else this.raw.tick();
  }

  resume(): void {
    if (!this.raw || !this.paused) return;
    this.paused = false;
    for (; this.missedTicks > 0; this.missedTicks--) this.raw.tick();
  }

  /** Does the next piece of host work, if any. Returns whether it did something. */
  process(now: number, network: SimNetwork): boolean {
    const raw = this.raw;
    if (!raw || this.paused) return false;
    if (this.inFlightReady) {
      if (now < this.inFlightReady.doneAt) return false;
      const { ready } = this.inFlightReady;
      this.inFlightReady = undefined;
      this.complete(raw, ready, now, network);
      return true;
    }
    if (!raw.hasReady()) return false;
    const ready = raw.ready();
    const needsDisk = ready.entries.length > 0 || ready.hardState !== undefined || ready.snapshot;
    if (this.diskDelayTicks > 0 && needsDisk) {
      this.inFlightReady = { ready, doneAt: now + this.diskDelayTicks };
      return true;
    }
    this.complete(raw, ready, now, network);
    return true;
  }

  /** Compacts the log up to `keep` entries behind the applied index, as a host does periodically. */
  compact(keep: number): number | undefined {
    const raw = this.raw;
    if (!raw || this.inFlightReady) return undefined;
    const index = this.appliedIndex - keep;
    if (index < this.storage.firstIndex()) return undefined;
    const image = this.applied.filter(([i]) => i <= index);
    this.storage.createSnapshot(
      index,
      raw.confStateAt(index),
      encoder.encode(JSON.stringify(image)),
    );
    this.storage.compact(index);
    return index;
  }

  private complete(raw: RawNode, ready: Ready, now: number, network: SimNetwork): void {
    if (ready.snapshot) {
      this.storage.applySnapshot(ready.snapshot);
      if (ready.snapshot.metadata.index > this.appliedIndex) {
        const image = JSON.parse(decoder.decode(ready.snapshot.data)) as Array<[number, string]>;
        this.applied = image;
        this.appliedIndex = ready.snapshot.metadata.index;
        for (const [index, value] of image)
          this.observer.onApplied(this, index, undefined, value, false);
      }
    }
    this.storage.append(ready.entries);
    if (ready.hardState) this.storage.setHardState(ready.hardState);
    this.observer.onPersisted(this, ready);
    for (const message of ready.messages) {
      const outcome = network.send(message, now);
      this.observer.trace(
        `${now} ${describeMessage(message)}${outcome === 'dropped' ? ' DROPPED' : ''}`,
      );
    }
    for (const entry of ready.committedEntries) {
      // After a restart the core hands out entries again from the snapshot on: skip what is applied.
      if (entry.index <= this.appliedIndex) continue;
      const value = entryValue(entry);
      if (entry.index !== this.appliedIndex + 1) {
        this.observer.onViolation(
          `state machine safety: ${this.id} was handed ${entry.index} to apply after ${this.appliedIndex} (a gap)`,
        );
      }
      this.applied.push([entry.index, value]);
      this.appliedIndex = entry.index;
      const proposedHere = this.proposals.delete(value);
      this.observer.onApplied(this, entry.index, entry.term, value, proposedHere);
    }
    for (const readState of ready.readStates) this.observer.onReadState(this, readState);
    raw.advance();
  }
}

/** One readable line for a message, for traces. */
export function describeMessage(m: import('@falconmind/raft').Message): string {
  const parts = [`${m.from}->${m.to} ${m.type} t${m.term}`];
  if (m.index !== undefined) parts.push(`i${m.index}`);
  if (m.logTerm !== undefined) parts.push(`lt${m.logTerm}`);
  if (m.entries && m.entries.length > 0) {
    parts.push(`[${m.entries.map((e) => `${e.index}@${e.term}`).join(' ')}]`);
  }
  if (m.commit !== undefined) parts.push(`c${m.commit}`);
  if (m.reject) parts.push(`REJECT hint=${m.rejectHint ?? ''}`);
  if (m.snapshot) parts.push(`snap@${m.snapshot.metadata.index}`);
  if (m.context) parts.push(`ctx=${m.context}`);
  return parts.join(' ');
}
