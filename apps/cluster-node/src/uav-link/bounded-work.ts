/** What became of a task handed to {@link BoundedWork}. */
export type WorkAdmission = 'started' | 'queued' | 'replaced' | 'shed';

interface Waiting {
  readonly rank: number;
  readonly task: () => Promise<void>;
}

/**
 * Bounds the uplink work in flight (each message may wait on the database and on Raft for seconds):
 * at most `limit` tasks run at once, and a task beyond that is shed, for the caller to count. Tasks
 * with a key (a UAV's reports on one mission) run one at a time per key; while one runs, only the
 * newest arrival (highest rank) waits behind it, the older ones are collapsed into it. A task must
 * not reject (the caller guards it).
 */
export class BoundedWork {
  private running = 0;
  /** Per key being worked on, what waits behind it (undefined: nothing). */
  private readonly keyed = new Map<string, Waiting | undefined>();

  constructor(private readonly limit: number) {}

  /** Tasks running now. */
  get inFlight(): number {
    return this.running;
  }

  start(task: () => Promise<void>): WorkAdmission {
    if (this.running >= this.limit) return 'shed';
    void this.run(task);
    return 'started';
  }

  /** Like start, but one at a time per key, the newest (highest rank) waiting one winning. */
  startLatest(key: string, rank: number, task: () => Promise<void>): WorkAdmission {
    if (this.keyed.has(key)) {
      const waiting = this.keyed.get(key);
      if (waiting && waiting.rank > rank) return 'replaced';
      this.keyed.set(key, { rank, task });
      return waiting ? 'replaced' : 'queued';
    }
    if (this.running >= this.limit) return 'shed';
    this.keyed.set(key, undefined);
    void this.runKeyed(key, task);
    return 'started';
  }

  private async run(task: () => Promise<void>): Promise<void> {
    this.running++;
    try {
      await task();
    } finally {
      this.running--;
    }
  }

  private async runKeyed(key: string, first: () => Promise<void>): Promise<void> {
    let task: (() => Promise<void>) | undefined = first;
    while (task) {
      await this.run(task);
      task = this.keyed.get(key)?.task;
      if (task) this.keyed.set(key, undefined);
      else this.keyed.delete(key);
    }
  }
}
