import { EntryList } from './entry-list';
import { LinearizationCache } from './linearization-cache';
import type { Model } from './model';
import type { Operation } from './operation';
import { OperationBitset } from './operation-bitset';
import { SearchBudget } from './search-budget';

/** Where the deepest attempt got stuck; indices refer to the searched operations. */
export interface SearchWitness<State> {
  /** The longest linearizable prefix, in linearization order. */
  readonly prefix: readonly number[];
  /** The state after each operation of `prefix`. */
  readonly statesAfter: readonly State[];
  /** The state after the whole prefix. */
  readonly finalState: State;
  /** The operation whose return was reached without it having been linearized. */
  readonly blocked: number;
  /** Operations whose call precedes that return and that were not linearized. */
  readonly candidates: readonly number[];
}

export type SearchOutcome<State> =
  | { readonly verdict: 'linearizable'; readonly steps: number }
  | {
      readonly verdict: 'not-linearizable';
      readonly steps: number;
      readonly witness: SearchWitness<State>;
    }
  | { readonly verdict: 'unknown'; readonly steps: number; readonly reason: string };

/**
 * Wing & Gong's search with Lowe's just-in-time linearization and memoization, for the operations
 * of one key (sorted or not; the entry list orders them).
 *
 * Walking the entry list in real-time order, each call entry met is an operation that may take
 * effect now: if the model accepts it (and the resulting configuration is new), it is linearized
 * and the walk restarts from the front. Meeting a return entry means that operation had to take
 * effect already and none of the candidates before it could: undo the last choice and try the next
 * candidate after it. The history is linearizable once every `ok` operation is linearized; `info`
 * operations still pending then simply never took effect.
 */
export function searchPartition<State, Input, Output>(
  model: Model<State, Input, Output>,
  operations: readonly Operation<Input, Output>[],
  budget: SearchBudget,
): SearchOutcome<State> {
  const outcome = searchOnce(model, operations, budget, false);
  if (outcome.verdict !== 'not-linearizable') return outcome;
  // Recording the deepest dead end costs a copy of the prefix at every new depth, which would
  // slow down every passing key; a failing one is searched again, the same way, to record it.
  const replay = searchOnce(model, operations, new SearchBudget(outcome.steps, undefined), true);
  if (replay.verdict !== 'not-linearizable' || replay.witness === undefined) {
    throw new Error('linearizability search is not deterministic');
  }
  return { verdict: replay.verdict, steps: outcome.steps, witness: replay.witness };
}

/** What one pass of the search finds; the witness is there only when the pass recorded it. */
type SearchPassOutcome<State> =
  | Exclude<SearchOutcome<State>, { verdict: 'not-linearizable' }>
  | {
      readonly verdict: 'not-linearizable';
      readonly steps: number;
      readonly witness: SearchWitness<State> | undefined;
    };

function searchOnce<State, Input, Output>(
  model: Model<State, Input, Output>,
  operations: readonly Operation<Input, Output>[],
  budget: SearchBudget,
  recordWitness: boolean,
): SearchPassOutcome<State> {
  const count = operations.length;
  const isOk = operations.map((operation) => operation.status === 'ok');
  // The output the model must produce: unknown for `info`, whatever was recorded.
  const outputs = operations.map((operation) =>
    operation.status === 'ok' ? operation.output : undefined,
  );
  let okPending = isOk.filter(Boolean).length;
  if (okPending === 0) return { verdict: 'linearizable', steps: 0 };

  const list = new EntryList(
    operations.map((operation) => operation.call),
    operations.map((operation) => (operation.status === 'ok' ? operation.return : Infinity)),
  );
  const linearized = new OperationBitset(count);
  const cache = new LinearizationCache(linearized.words.length);

  // The choices made so far, to backtrack: which operation, and the state before it.
  const chosen = new Int32Array(count);
  const statesBefore: State[] = new Array<State>(count);
  const stateKeysBefore: string[] = new Array<string>(count);
  let depth = 0;

  let state = model.init();
  let stateKey = model.stateKey(state);
  let deepestWitness: SearchWitness<State> | undefined;
  let steps = 0;
  let entry = list.first();

  for (;;) {
    steps++;
    const exhausted = budget.exhaustedAfter(steps);
    if (exhausted !== undefined) return { verdict: 'unknown', steps, reason: exhausted };

    if (entry === EntryList.END) {
      // Unreachable while an `ok` operation is pending: its return entry is still in the list.
      throw new Error('linearizability search ran past the end of the history');
    }

    if (EntryList.isCall(entry)) {
      const operation = EntryList.operationOf(entry);
      const nextState = model.step(state, operations[operation].input, outputs[operation]);
      if (nextState !== undefined) {
        const nextStateKey = model.stateKey(nextState);
        // An `info` operation that changes nothing is indistinguishable from one that never
        // happened, which the search already covers by leaving it pending; linearizing it would
        // only double the configurations to explore.
        const pointless = !isOk[operation] && nextStateKey === stateKey;
        if (!pointless) {
          linearized.add(operation);
          if (cache.addIfAbsent(linearized, nextStateKey)) {
            chosen[depth] = operation;
            statesBefore[depth] = state;
            stateKeysBefore[depth] = stateKey;
            depth++;
            state = nextState;
            stateKey = nextStateKey;
            list.lift(operation);
            if (isOk[operation] && --okPending === 0) return { verdict: 'linearizable', steps };
            entry = list.first();
            continue;
          }
          linearized.remove(operation);
        }
      }
      entry = list.after(entry);
      continue;
    }

    // A return entry: its operation should have been linearized by now, but nothing fits.
    if (recordWitness && (deepestWitness === undefined || depth > deepestWitness.prefix.length)) {
      deepestWitness = captureWitness(list, entry, chosen, statesBefore, depth, state);
    }
    if (depth === 0) return { verdict: 'not-linearizable', steps, witness: deepestWitness };
    depth--;
    const undone = chosen[depth];
    state = statesBefore[depth];
    stateKey = stateKeysBefore[depth];
    linearized.remove(undone);
    list.unlift(undone);
    if (isOk[undone]) okPending++;
    entry = list.after(EntryList.callEntryOf(undone));
  }
}

function captureWitness<State>(
  list: EntryList,
  blockedReturn: number,
  chosen: Int32Array,
  statesBefore: readonly State[],
  depth: number,
  state: State,
): SearchWitness<State> {
  const prefix = Array.from(chosen.subarray(0, depth));
  const statesAfter = prefix.map((_, index) =>
    index + 1 < depth ? statesBefore[index + 1] : state,
  );
  const candidates: number[] = [];
  for (let entry = list.first(); entry !== blockedReturn; entry = list.after(entry)) {
    if (EntryList.isCall(entry)) candidates.push(EntryList.operationOf(entry));
  }
  return {
    prefix,
    statesAfter,
    finalState: state,
    blocked: EntryList.operationOf(blockedReturn),
    candidates,
  };
}
