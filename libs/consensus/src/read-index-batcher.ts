import { OutcomeUnknownError } from './driver-errors';

/**
 * Starts one ReadIndex request and resolves with the read point it confirms. Rejects with
 * OutcomeUnknownError when no answer came within `timeoutMs` (the request or its answer was lost,
 * with a message or with a leader): the batcher then asks again. Any other error fails every reader
 * of the batch (NoLeaderError, DriverStoppedError).
 */
export type ReadIndexRequest = (timeoutMs: number) => Promise<number>;

export interface ReadIndexBatcherOptions {
  readonly request: ReadIndexRequest;
  /** How long one request may stay unanswered before it is made again for its readers. */
  readonly retryAfterMs: number;
}

interface PendingRead {
  readonly deadline: number;
  /** Answered, failed or timed out already. */
  isSettled(): boolean;
  resolve(index: number): void;
  reject(error: Error): void;
}

/**
 * Coalesces linearizable reads: at most one ReadIndex request is in flight, and the readers that
 * arrive meanwhile share the next one, so a burst of reads costs one heartbeat round, not one each
 * (etcd's linearizable read loop does the same).
 *
 * A reader may not join the request in flight: the leader may have fixed that request's index
 * before the reader arrived, so it could miss a write acknowledged just before the read began. Any
 * request made after the reader arrived is good for it, which is also why a lost request can simply
 * be made again.
 */
export class ReadIndexBatcher {
  private waiting: PendingRead[] = [];
  private inFlight = false;
  private closedWith: Error | undefined;

  constructor(private readonly options: ReadIndexBatcherOptions) {}

  /** Resolves with a read point confirmed after this call; rejects after `timeoutMs` without one. */
  read(timeoutMs: number): Promise<number> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise<number>((resolve, reject) => {
      let settled = false;
      const settle = (done: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        done();
      };
      const timer = setTimeout(() => {
        settle(() =>
          reject(new OutcomeUnknownError(`no read point was confirmed within ${timeoutMs} ms`)),
        );
      }, timeoutMs);
      this.waiting.push({
        deadline: performance.now() + timeoutMs,
        isSettled: () => settled,
        resolve: (index) => settle(() => resolve(index)),
        reject: (error) => settle(() => reject(error)),
      });
      if (!this.inFlight) this.requestNext();
    });
  }

  /** Fails every waiting reader, and every later one, with `error` (the node is stopping). */
  close(error: Error): void {
    this.closedWith = error;
    const waiting = this.waiting;
    this.waiting = [];
    for (const pending of waiting) pending.reject(error);
  }

  private requestNext(): void {
    const batch = this.waiting.filter((pending) => !pending.isSettled());
    this.waiting = [];
    if (batch.length === 0 || this.closedWith) return;
    this.inFlight = true;
    const now = performance.now();
    const longest = Math.max(...batch.map((pending) => pending.deadline - now));
    const timeoutMs = Math.max(1, Math.min(this.options.retryAfterMs, Math.ceil(longest)));
    this.options
      .request(timeoutMs)
      .then(
        (index) => {
          for (const pending of batch) pending.resolve(index);
        },
        (error: unknown) => {
          if (error instanceof OutcomeUnknownError && !this.closedWith) {
            // Lost: the same readers go first in the next request.
            this.waiting = [...batch.filter((pending) => !pending.isSettled()), ...this.waiting];
            return;
          }
          const failure = error instanceof Error ? error : new Error(String(error));
          for (const pending of batch) pending.reject(failure);
        },
      )
      .finally(() => {
        this.inFlight = false;
        this.requestNext();
      });
  }
}
