import type { Operation } from '../core/operation';
import type { JsonValue } from './json-value';

/** The call of a recorded operation, as the harness's invoke event states it. */
export interface HistoryInput {
  /** The key (e.g. a mission id) the operation works on. */
  readonly key: string;
  /** The function called, e.g. `dispatch`. */
  readonly f: string;
  /** The invoke event's `input` field, when it has one. */
  readonly args?: JsonValue;
}

/** A recorded operation before a model decodes it; the output is the completion's `output`. */
export type HistoryOperation = Operation<HistoryInput, JsonValue>;

export interface ParsedHistory {
  /** `ok` and `info` operations, in invoke order. */
  readonly operations: HistoryOperation[];
  /** `fail` operations dropped: they definitely did not take effect. */
  readonly failedCount: number;
  /** Invoked operations without a completion at the end, kept as `info`. */
  readonly unfinishedCount: number;
}
