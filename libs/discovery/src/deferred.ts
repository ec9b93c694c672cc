/** A promise settled from outside: lets `start()` wait for a registration made by a background task. */
export class Deferred {
  readonly promise: Promise<void>;
  private settle: () => void = () => undefined;

  constructor() {
    this.promise = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  resolve(): void {
    this.settle();
  }

  /** Resolves when the deferred does or after `ms`, whichever comes first; leaves no timer behind. */
  async waitAtMost(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    });
    try {
      await Promise.race([this.promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
