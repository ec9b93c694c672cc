import type { HistoryInput, HistoryOperation, ParsedHistory } from './history-operation';
import { HistoryParseError } from './history-parse-error';
import { isJsonObject, type JsonObject, type JsonValue } from './json-value';

const EVENT_TYPES = ['invoke', 'ok', 'fail', 'info'] as const;
type EventType = (typeof EVENT_TYPES)[number];

interface OpenOperation {
  readonly line: number;
  readonly process: number;
  readonly input: HistoryInput;
  readonly call: number;
}

/**
 * Reads a JSON-lines history as the chaos harness writes it, one event per line:
 *
 *     {"type":"invoke","process":3,"op":17,"key":"m-1","f":"dispatch","input":{...},"time":123}
 *     {"type":"ok","process":3,"op":17,"output":{...},"time":456}
 *
 * `ok` completions become `ok` operations; `info` completions and invokes never completed become
 * `info` operations that never return (they may take effect at any later time, or never); `fail`
 * operations are dropped, since they definitely did not take effect. Blank lines are skipped.
 * Throws `HistoryParseError`, naming the line, on anything that is not a well-formed history.
 */
export function parseHistory(history: string | Iterable<string>): ParsedHistory {
  const lines = typeof history === 'string' ? history.split('\n') : history;
  const open = new Map<number, OpenOperation>();
  const openByProcess = new Map<number, number>();
  /** Line of each operation's invoke or completion, to name both in errors. */
  const invokedOn = new Map<number, number>();
  const completedOn = new Map<number, number>();
  const finished: { readonly order: number; readonly operation: HistoryOperation }[] = [];
  let failedCount = 0;

  let lineNumber = 0;
  for (const rawLine of lines) {
    lineNumber++;
    const line = rawLine.trim();
    if (line === '') continue;
    const event = parseEvent(line, lineNumber);
    const type = eventType(event, lineNumber);
    const process = integerField(event, 'process', lineNumber);
    const op = integerField(event, 'op', lineNumber);
    const time = numberField(event, 'time', lineNumber);
    const malformed = (problem: string) => new HistoryParseError(lineNumber, problem);

    if (type === 'invoke') {
      const earlier = invokedOn.get(op);
      if (earlier !== undefined)
        throw malformed(`op ${op} is invoked again (first on line ${earlier})`);
      const busyWith = openByProcess.get(process);
      if (busyWith !== undefined) {
        throw malformed(
          `process ${process} invokes op ${op} while its op ${busyWith} (line ${invokedOn.get(busyWith)}) is still open`,
        );
      }
      const input: HistoryInput =
        event.input === undefined
          ? { key: stringField(event, 'key', lineNumber), f: stringField(event, 'f', lineNumber) }
          : {
              key: stringField(event, 'key', lineNumber),
              f: stringField(event, 'f', lineNumber),
              args: event.input,
            };
      open.set(op, { line: lineNumber, process, input, call: time });
      openByProcess.set(process, op);
      invokedOn.set(op, lineNumber);
      continue;
    }

    const invocation = open.get(op);
    if (invocation === undefined) {
      const completed = completedOn.get(op);
      throw malformed(
        completed === undefined
          ? `${type} for op ${op}, which was never invoked`
          : `${type} for op ${op}, which already completed on line ${completed}`,
      );
    }
    if (invocation.process !== process) {
      throw malformed(
        `${type} for op ${op} comes from process ${process}, but process ${invocation.process} invoked it (line ${invocation.line})`,
      );
    }
    if (time < invocation.call) {
      throw malformed(
        `op ${op} completes at time ${time}, before its invoke at ${invocation.call} (line ${invocation.line})`,
      );
    }
    open.delete(op);
    openByProcess.delete(process);
    completedOn.set(op, lineNumber);
    if (type === 'fail') {
      failedCount++;
      continue;
    }
    const base = { id: op, process, input: invocation.input, call: invocation.call };
    const operation: HistoryOperation =
      type === 'info'
        ? { ...base, status: 'info', return: Infinity }
        : event.output === undefined
          ? { ...base, status: 'ok', return: time }
          : { ...base, status: 'ok', output: event.output, return: time };
    finished.push({ order: invocation.line, operation });
  }

  for (const [op, invocation] of open) {
    finished.push({
      order: invocation.line,
      operation: {
        id: op,
        process: invocation.process,
        input: invocation.input,
        status: 'info',
        call: invocation.call,
        return: Infinity,
      },
    });
  }
  finished.sort((a, b) => a.order - b.order);
  return {
    operations: finished.map((entry) => entry.operation),
    failedCount,
    unfinishedCount: open.size,
  };
}

function parseEvent(line: string, lineNumber: number): JsonObject {
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(line) as JsonValue;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new HistoryParseError(lineNumber, `not valid JSON (${detail})`);
  }
  if (!isJsonObject(parsed)) throw new HistoryParseError(lineNumber, 'an event must be an object');
  return parsed;
}

function eventType(event: JsonObject, lineNumber: number): EventType {
  const type = event.type;
  const known = EVENT_TYPES.find((candidate) => candidate === type);
  if (known === undefined) {
    throw new HistoryParseError(
      lineNumber,
      `"type" must be one of ${EVENT_TYPES.join(', ')}; got ${JSON.stringify(type)}`,
    );
  }
  return known;
}

function numberField(event: JsonObject, field: string, lineNumber: number): number {
  const value = event[field];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new HistoryParseError(
      lineNumber,
      `"${field}" must be a number; got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function integerField(event: JsonObject, field: string, lineNumber: number): number {
  const value = numberField(event, field, lineNumber);
  if (!Number.isSafeInteger(value)) {
    throw new HistoryParseError(lineNumber, `"${field}" must be an integer; got ${value}`);
  }
  return value;
}

function stringField(event: JsonObject, field: string, lineNumber: number): string {
  const value = event[field];
  if (typeof value !== 'string' || value === '') {
    throw new HistoryParseError(
      lineNumber,
      `"${field}" must be a non-empty string; got ${JSON.stringify(value)}`,
    );
  }
  return value;
}
