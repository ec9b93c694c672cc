/** A history that is not well formed, and the (1-based) line that shows it. */
export class HistoryParseError extends Error {
  override readonly name = 'HistoryParseError';

  constructor(
    readonly lineNumber: number,
    problem: string,
  ) {
    super(`history line ${lineNumber}: ${problem}`);
  }
}
