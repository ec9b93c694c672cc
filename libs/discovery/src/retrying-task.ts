import { Backoff } from './backoff';

/**
 * Runs an idempotent job until it succeeds, retrying with backoff. Requests made while the job
 * runs or waits coalesce into one more run, so a burst of status changes costs one write with the
 * latest status. Background work: never throws, reports failures through `onFailure`.
 */
export class RetryingTask {
  private pending = false;
  private running = false;
  private stopped = false;
  private sleepTimer: NodeJS.Timeout | undefined;
  private wakeSleeper: (() => void) | undefined;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly job: () => Promise<void>,
    private readonly backoff: Backoff,
    private readonly hooks: {
      readonly onSuccess?: () => void;
      readonly onFailure: (error: unknown) => void;
    },
  ) {}

  /** Asks for one more run (started now when idle). Ignored after `stop()`. */
  request(): void {
    if (this.stopped) return;
    this.pending = true;
    if (!this.running) this.idle = this.loop();
  }

  /** Stops retrying; resolves once a run in flight has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.sleepTimer);
    this.wakeSleeper?.();
    await this.idle;
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.pending && !this.stopped) {
        this.pending = false;
        try {
          await this.job();
          this.backoff.reset();
          if (!this.stopped) this.hooks.onSuccess?.();
        } catch (error) {
          if (this.stopped) break;
          this.pending = true;
          this.hooks.onFailure(error);
          await this.sleep(this.backoff.next());
        }
      }
    } finally {
      this.running = false;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeSleeper = resolve;
      this.sleepTimer = setTimeout(resolve, ms);
    });
  }
}
