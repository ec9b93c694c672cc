import type { Model } from '../../core/model';

/** `null` doubles as "never written": every register starts as `null`. */
export type RegisterValue = string | number | boolean | null;

export type RegisterInput =
  | { readonly key: string; readonly f: 'read' }
  | { readonly key: string; readonly f: 'write'; readonly value: RegisterValue }
  /** An `ok` cas swapped; one that found another value is a `fail` and never reaches the model. */
  | {
      readonly key: string;
      readonly f: 'cas';
      readonly from: RegisterValue;
      readonly to: RegisterValue;
    };

/** A read's output carries the value seen; writes and cas have nothing to check. */
export interface RegisterOutput {
  readonly value?: RegisterValue;
}

/** One read/write/compare-and-set register per key: the textbook linearizability model. */
export const registerModel: Model<RegisterValue, RegisterInput, RegisterOutput> = {
  init: () => null,

  step(value, input, output) {
    switch (input.f) {
      case 'read':
        return output === undefined || output.value === value ? value : undefined;
      case 'write':
        return input.value;
      case 'cas':
        return value === input.from ? input.to : undefined;
    }
  },

  key: (input) => input.key,

  // JSON keeps 1 and "1" apart.
  stateKey: (value) => JSON.stringify(value),

  describeOperation(input, output) {
    switch (input.f) {
      case 'read':
        return `read ${input.key} -> ${output === undefined ? '?' : JSON.stringify(output.value)}`;
      case 'write':
        return `write ${input.key} ${JSON.stringify(input.value)}`;
      case 'cas':
        return `cas ${input.key} ${JSON.stringify(input.from)} -> ${JSON.stringify(input.to)}`;
    }
  },

  describeState: (value) => JSON.stringify(value),
};
