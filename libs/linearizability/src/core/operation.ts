/**
 * What the client learned about an operation. `ok`: it took effect exactly once, somewhere between
 * its call and its return, with the recorded output. `info`: the client never learned the outcome,
 * so the operation may have taken effect at any time after its call, or never.
 * (Operations that definitely did not take effect, `fail` in the history, are dropped before
 * checking: they constrain nothing.)
 */
export type OperationStatus = 'ok' | 'info';

/** One client operation of a history, with its real-time window. */
export interface Operation<Input, Output> {
  /** Unique within the history. */
  readonly id: number;
  /** The client that issued it; only used to make counterexamples readable. */
  readonly process: number;
  readonly input: Input;
  /**
   * The observed result; ignored for `info` operations. An `ok` operation without one is checked
   * as if its outcome were unknown, so give one whenever the model has something to compare.
   */
  readonly output?: Output;
  readonly status: OperationStatus;
  /** When the client invoked it, on a monotonic clock shared by all clients. */
  readonly call: number;
  /** When the client saw the result; `Infinity` for `info` operations, which never return. */
  readonly return: number;
}
