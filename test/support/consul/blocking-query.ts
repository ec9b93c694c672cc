/**
 * Consul's blocking queries: every write takes the next index of a single growing counter (Raft's
 * log index in a real cluster); a read answers with the index of its result in `X-Consul-Index`, and
 * a read sent with `?index=N` is held until its result's index passes N or `wait` runs out.
 *
 * The index of a result must change only when the result does, or watchers would wake for nothing.
 * Rather than work out by hand which write touches which result, each result is fingerprinted (its
 * JSON minus what Consul does not wake for, such as check output) and keeps the index it had as long
 * as its fingerprint does not change.
 */

type Listener = () => void;

/** The agent's write counter, shared by the catalog and the KV store. */
export class ChangeIndex {
  private value: number;
  private readonly listeners = new Set<Listener>();
  private notificationPending = false;

  constructor(start = 1) {
    this.value = start;
  }

  get current(): number {
    return this.value;
  }

  /**
   * The index of a write about to happen. Listeners hear of it once the current synchronous work is
   * done, so that a write made of several steps is seen whole and several writes wake a watcher once.
   */
  next(): number {
    this.value += 1;
    if (!this.notificationPending) {
      this.notificationPending = true;
      queueMicrotask(() => {
        this.notificationPending = false;
        for (const listener of [...this.listeners]) listener();
      });
    }
    return this.value;
  }

  /** Calls `listener` after each batch of writes; returns the function that stops it. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Remembers, per watched result, its fingerprint and the index it was last seen to change at. */
export class ResultIndexTracker {
  private readonly seen = new Map<string, { fingerprint: string; index: number }>();

  constructor(private readonly changeIndex: ChangeIndex) {}

  /**
   * The index of the result called `topic` whose content is now `fingerprint`. When the content
   * differs from the last time it was asked, a write has happened since, so the current index is
   * greater than the one handed out before: the index only grows, and only on a change.
   */
  indexOf(topic: string, fingerprint: string): number {
    const last = this.seen.get(topic);
    if (last && last.fingerprint === fingerprint) return last.index;
    const index = this.changeIndex.current;
    this.seen.set(topic, { fingerprint, index });
    return index;
  }
}

export interface BlockingWait {
  /** The `?index=` of the request; 0 = answer at once. */
  readonly minIndex: number;
  /** How long to hold the request at most, already scaled. */
  readonly maxWaitMs: number;
  /** The index of the requested result now. */
  readonly resultIndex: () => number;
  /** Aborted when the client goes away or the agent stops. */
  readonly signal: AbortSignal;
}

/** Resolves once the result's index passes `minIndex`, the wait runs out, or `signal` aborts. */
export function waitForNewerResult(changeIndex: ChangeIndex, wait: BlockingWait): Promise<void> {
  if (wait.minIndex <= 0 || wait.signal.aborted || wait.resultIndex() > wait.minIndex) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const finish = (): void => {
      clearTimeout(timer);
      unsubscribe();
      wait.signal.removeEventListener('abort', finish);
      resolve();
    };
    const timer = setTimeout(finish, wait.maxWaitMs);
    const unsubscribe = changeIndex.subscribe(() => {
      if (wait.resultIndex() > wait.minIndex) finish();
    });
    wait.signal.addEventListener('abort', finish);
  });
}
