/** Search budget of one key when `CheckOptions.maxSteps` is not given. */
export const DEFAULT_MAX_STEPS_PER_KEY = 1_000_000;

export interface CheckOptions {
  /**
   * Search steps allowed per key (each step tries one operation or undoes one). A key that needs
   * more is reported `unknown`, never `linearizable`. Default `DEFAULT_MAX_STEPS_PER_KEY`.
   */
  readonly maxSteps?: number;
  /** Wall-clock limit for the whole check, in milliseconds from its start. */
  readonly timeoutMs?: number;
  /** Wall-clock limit for the whole check, as a `Date.now()` value. The earlier limit wins. */
  readonly deadline?: number;
}
