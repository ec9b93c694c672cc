import type { Counterexample } from './check-result';
import { describeOperation, describeState } from './describe';
import type { Model } from './model';
import type { Operation } from './operation';
import type { SearchWitness } from './search-partition';

/** Prefix lines shown in the text; the structured prefix is always complete. */
const PREFIX_LINES_SHOWN = 20;

/** Turns the search's deepest dead end on one key into a readable counterexample. */
export function buildCounterexample<State, Input, Output>(
  model: Model<State, Input, Output>,
  key: string,
  operations: readonly Operation<Input, Output>[],
  witness: SearchWitness<State>,
): Counterexample<Input, Output> {
  const longestLinearizablePrefix = witness.prefix.map((index, position) => ({
    operation: operations[index],
    stateAfter: describeState(model, witness.statesAfter[position]),
  }));
  const stateAfterPrefix = describeState(model, witness.finalState);
  const blockedOperation = operations[witness.blocked];
  const candidates = witness.candidates.map((index) => operations[index]);

  const lines = [
    `Key ${JSON.stringify(key)} is not linearizable (${operations.length} operations).`,
    `Longest linearizable prefix: ${longestLinearizablePrefix.length} operations, from ${describeState(model, model.init())}:`,
  ];
  const hidden = longestLinearizablePrefix.length - PREFIX_LINES_SHOWN;
  if (hidden > 0) lines.push(`  ... ${hidden} earlier operations`);
  longestLinearizablePrefix.forEach((step, position) => {
    if (position < hidden) return;
    lines.push(
      `  ${position + 1}. ${describeOperation(model, step.operation)}  => ${step.stateAfter}`,
    );
  });
  lines.push(
    `After it the state is ${stateAfterPrefix}. Then ${describeOperation(model, blockedOperation)}`,
    `had to take effect before it returned, but none of the operations that may come next can take effect from ${stateAfterPrefix}:`,
    ...candidates.map((operation) => `  ${describeOperation(model, operation)}`),
  );

  return {
    key,
    operations,
    longestLinearizablePrefix,
    stateAfterPrefix,
    blockedOperation,
    candidates,
    text: lines.join('\n'),
  };
}
