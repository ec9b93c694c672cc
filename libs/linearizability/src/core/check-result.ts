import type { Operation } from './operation';

export type Verdict = 'linearizable' | 'not-linearizable' | 'unknown';

/** The outcome for the operations of one key. */
export interface KeyCheckResult {
  readonly key: string;
  /** Operations of this key that were searched (`ok` and `info`). */
  readonly operationCount: number;
  readonly verdict: Verdict;
  /** Search steps spent on this key. */
  readonly steps: number;
  /** Why the verdict is `unknown`. */
  readonly reason?: string;
}

/** One operation of the longest linearizable prefix, with the state it leads to. */
export interface LinearizedStep<Input, Output> {
  readonly operation: Operation<Input, Output>;
  /** The model state after it, as `Model.describeState` renders it. */
  readonly stateAfter: string;
}

/** Why a key is not linearizable: how far the search got and where every attempt got stuck. */
export interface Counterexample<Input, Output> {
  readonly key: string;
  /** Every searched operation of the key, by call time. */
  readonly operations: readonly Operation<Input, Output>[];
  /** The longest sequence of operations the search could linearize, in linearization order. */
  readonly longestLinearizablePrefix: readonly LinearizedStep<Input, Output>[];
  /** The state after that prefix, described. */
  readonly stateAfterPrefix: string;
  /**
   * An operation that returned without taking effect in any order the search could build: it had
   * to be linearized before its return, but neither it nor any operation that may precede it could
   * be applied after the prefix.
   */
  readonly blockedOperation: Operation<Input, Output>;
  /** The operations that were candidates to come next after the prefix (all illegal there). */
  readonly candidates: readonly Operation<Input, Output>[];
  /** All of the above as readable text. */
  readonly text: string;
}

export interface CheckResult<Input, Output> {
  /** `not-linearizable` if any key is, else `unknown` if any key is, else `linearizable`. */
  readonly verdict: Verdict;
  /** One result per key, in order of the key's first call. */
  readonly keys: readonly KeyCheckResult[];
  /** For the first key found not linearizable. */
  readonly counterexample?: Counterexample<Input, Output>;
  /** Why the verdict is `unknown`. */
  readonly reason?: string;
  /** Wall-clock time of the whole check. */
  readonly elapsedMs: number;
}
