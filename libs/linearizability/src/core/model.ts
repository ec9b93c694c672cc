/**
 * A sequential specification of the system under test, for one key at a time.
 *
 * `State` must never be `undefined`: `step` uses `undefined` to say "not legal".
 * States are treated as immutable values: `step` must return a new state, not change its argument,
 * because the search keeps earlier states to come back to them.
 */
export interface Model<State, Input, Output> {
  /** The state of every key before any operation. */
  init(): State;
  /**
   * The state after `input` is applied to `state` and answers `output`, or `undefined` when that
   * cannot happen. `output === undefined` means the outcome is unknown (an `info` operation): any
   * outcome the model allows is accepted. An unknown-outcome operation that cannot apply from
   * `state` should return `undefined`; the checker then treats it as not having happened there.
   */
  step(state: State, input: Input, output: Output | undefined): State | undefined;
  /** The partition an operation belongs to: operations on different keys never interact. */
  key(input: Input): string;
  /** Equal strings exactly when the states are equal; memoizes the search on it. */
  stateKey(state: State): string;
  /** A short human-readable operation, e.g. `dispatch if_match=2 -> RUNNING v3`. */
  describeOperation?(input: Input, output: Output | undefined): string;
  /** A short human-readable state, e.g. `RUNNING v3`. */
  describeState?(state: State): string;
}
