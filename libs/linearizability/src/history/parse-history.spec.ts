import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { HistoryParseError } from './history-parse-error';
import { parseHistory } from './parse-history';

const invoke = (process: number, op: number, time: number, extra = ''): string =>
  `{"type":"invoke","process":${process},"op":${op},"key":"m-1","f":"read"${extra},"time":${time}}`;
const complete = (type: string, process: number, op: number, time: number, extra = ''): string =>
  `{"type":"${type}","process":${process},"op":${op}${extra},"time":${time}}`;

/** Asserts that parsing fails on `line` with a message matching `problem`. */
function assertRejected(lines: string[], line: number, problem: RegExp): void {
  assert.throws(
    () => parseHistory(lines),
    (error: unknown) => {
      assert.ok(error instanceof HistoryParseError, `unexpected error: ${String(error)}`);
      assert.equal(error.lineNumber, line);
      assert.match(error.message, new RegExp(`^history line ${line}: `));
      assert.match(error.message, problem);
      return true;
    },
  );
}

describe('parseHistory', () => {
  it('pairs invokes with completions into operations, in invoke order', () => {
    const parsed = parseHistory([
      invoke(1, 10, 100, ',"input":{"if_match":3}'),
      invoke(2, 11, 105),
      complete('ok', 2, 11, 150, ',"output":{"found":false}'),
      complete('ok', 1, 10, 160, ',"output":{"state":"RUNNING","version":4}'),
    ]);
    assert.deepEqual(parsed, {
      operations: [
        {
          id: 10,
          process: 1,
          input: { key: 'm-1', f: 'read', args: { if_match: 3 } },
          status: 'ok',
          output: { state: 'RUNNING', version: 4 },
          call: 100,
          return: 160,
        },
        {
          id: 11,
          process: 2,
          input: { key: 'm-1', f: 'read' },
          status: 'ok',
          output: { found: false },
          call: 105,
          return: 150,
        },
      ],
      failedCount: 0,
      unfinishedCount: 0,
    });
  });

  it('drops fail operations and turns info and unfinished ones into never-returning info', () => {
    const parsed = parseHistory([
      invoke(1, 1, 100),
      complete('fail', 1, 1, 110),
      invoke(1, 2, 120),
      complete('info', 1, 2, 130, ',"output":{"error":"timeout"}'),
      invoke(1, 3, 140),
      invoke(2, 4, 145),
    ]);
    assert.equal(parsed.failedCount, 1);
    assert.equal(parsed.unfinishedCount, 2);
    assert.deepEqual(
      parsed.operations.map((operation) => [operation.id, operation.status, operation.return]),
      [
        [2, 'info', Infinity],
        [3, 'info', Infinity],
        [4, 'info', Infinity],
      ],
    );
    assert.ok(parsed.operations.every((operation) => operation.output === undefined));
  });

  it('accepts one string with blank lines and CRLF endings', () => {
    const text = `\n${invoke(1, 1, 1)}\r\n\r\n${complete('ok', 1, 1, 2)}\r\n`;
    const parsed = parseHistory(text);
    assert.equal(parsed.operations.length, 1);
    assert.equal(parsed.operations[0].output, undefined);
  });

  it('lets a process invoke again once its operation completed', () => {
    const parsed = parseHistory([
      invoke(1, 1, 1),
      complete('info', 1, 1, 2),
      invoke(1, 2, 3),
      complete('ok', 1, 2, 4),
    ]);
    assert.equal(parsed.operations.length, 2);
  });

  describe('rejects, naming the line', () => {
    it('a line that is not JSON', () => {
      assertRejected([invoke(1, 1, 1), '{"type":'], 2, /not valid JSON/);
    });

    it('an event that is not an object', () => {
      assertRejected(['[1,2]'], 1, /an event must be an object/);
    });

    it('an unknown event type', () => {
      assertRejected(
        [complete('done', 1, 1, 1)],
        1,
        /"type" must be one of invoke, ok, fail, info; got "done"/,
      );
    });

    it('a missing or non-integer process or op, or a missing time', () => {
      assertRejected(
        ['{"type":"invoke","op":1,"key":"k","f":"read","time":1}'],
        1,
        /"process" must be a number/,
      );
      assertRejected([invoke(1.5, 1, 1)], 1, /"process" must be an integer; got 1.5/);
      assertRejected(
        ['{"type":"ok","process":1,"op":"7","time":1}'],
        1,
        /"op" must be a number; got "7"/,
      );
      assertRejected(['{"type":"ok","process":1,"op":1}'], 1, /"time" must be a number/);
    });

    it('an invoke without a key or function', () => {
      assertRejected(
        ['{"type":"invoke","process":1,"op":1,"f":"read","time":1}'],
        1,
        /"key" must be a non-empty string/,
      );
      assertRejected(
        ['{"type":"invoke","process":1,"op":1,"key":"k","f":"","time":1}'],
        1,
        /"f" must be a non-empty string/,
      );
    });

    it('a completion without an invoke', () => {
      assertRejected(
        [invoke(1, 1, 1), complete('ok', 2, 2, 5)],
        2,
        /ok for op 2, which was never invoked/,
      );
    });

    it('a second completion of one operation', () => {
      assertRejected(
        [invoke(1, 1, 1), complete('ok', 1, 1, 2), complete('info', 1, 1, 3)],
        3,
        /info for op 1, which already completed on line 2/,
      );
    });

    it('a process with two operations open at once', () => {
      assertRejected(
        [invoke(1, 1, 1), invoke(2, 2, 2), invoke(1, 3, 3)],
        3,
        /process 1 invokes op 3 while its op 1 \(line 1\) is still open/,
      );
    });

    it('an operation id invoked twice', () => {
      assertRejected(
        [invoke(1, 1, 1), complete('ok', 1, 1, 2), invoke(2, 1, 3)],
        3,
        /op 1 is invoked again \(first on line 1\)/,
      );
    });

    it('a completion from another process than the invoke', () => {
      assertRejected(
        [invoke(1, 1, 1), complete('ok', 2, 1, 2)],
        2,
        /comes from process 2, but process 1 invoked it \(line 1\)/,
      );
    });

    it('time going backwards within one operation', () => {
      assertRejected(
        [invoke(1, 1, 100), invoke(2, 2, 90), complete('ok', 1, 1, 99)],
        3,
        /op 1 completes at time 99, before its invoke at 100 \(line 1\)/,
      );
    });
  });
});
