/** A recorded operation a model cannot read (an unknown function, a malformed output). */
export class OperationDecodeError extends Error {
  override readonly name = 'OperationDecodeError';

  constructor(
    readonly operationId: number,
    problem: string,
  ) {
    super(`op ${operationId}: ${problem}`);
  }
}
