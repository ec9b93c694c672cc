import type { Operation } from '../core/operation';

/** Builds hand-written histories tersely: ids follow the order of the calls to these helpers. */
export class HistoryBuilder<Input, Output> {
  private readonly operations: Operation<Input, Output>[] = [];

  /** An operation that completed with `output` within [call, ret]. */
  ok(process: number, call: number, ret: number, input: Input, output: Output): this {
    this.operations.push({
      id: this.operations.length + 1,
      process,
      input,
      output,
      status: 'ok',
      call,
      return: ret,
    });
    return this;
  }

  /** An operation whose outcome the client never learned. */
  info(process: number, call: number, input: Input): this {
    this.operations.push({
      id: this.operations.length + 1,
      process,
      input,
      status: 'info',
      call,
      return: Infinity,
    });
    return this;
  }

  build(): Operation<Input, Output>[] {
    return [...this.operations];
  }
}
