/** One bad variable: what it holds and what the node expected instead. */
export interface ConfigProblem {
  /** The variable, or the place inside it for structured ones: `NODE_PORT`, `PEER_NODES[1].port`. */
  readonly variable: string;
  /**
   * The offending value: the variable's text, or for a field of `PEER_NODES` its JSON value;
   * `undefined` when it is not set. Secrets are masked (`CLUSTER_SECRET`, the password of `DATABASE_URL`).
   */
  readonly value: unknown;
  /** What would have been accepted, e.g. `an integer port in 1..65535`. */
  readonly expected: string;
}

/** Renders one problem as its line: `config: NODE_PORT="abc" is invalid: expected ...`. */
export function formatConfigProblem({ variable, value, expected }: ConfigProblem): string {
  const line =
    value === undefined
      ? `config: ${variable} is not set: expected ${expected}`
      : `config: ${variable}=${JSON.stringify(value)} is invalid: expected ${expected}`;
  return line.replace(/[\r\n]+/g, ' ');
}

/**
 * Thrown by `loadNodeConfig` when any variable is invalid. It carries every problem found, not just
 * the first; the message has one line per problem.
 */
export class ConfigValidationError extends Error {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(problems.map(formatConfigProblem).join('\n'));
    this.name = 'ConfigValidationError';
    this.problems = problems;
  }
}

/**
 * What `main.ts` prints before `process.exit(1)` when start-up fails: the problem lines of a
 * {@link ConfigValidationError}, the stack of any other error.
 */
export function formatConfigError(error: unknown): string {
  if (error instanceof ConfigValidationError) return error.message;
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}
