import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { checkLinearizability } from '../../core/check-linearizability';
import { parseHistory } from '../../history/parse-history';
import { decodeRegisterOperations } from './register-history';
import { registerModel } from './register-model';

const lines = [
  '{"type":"invoke","process":1,"op":1,"key":"x","f":"write","input":{"value":1},"time":0}',
  '{"type":"ok","process":1,"op":1,"time":10}',
  '{"type":"invoke","process":1,"op":2,"key":"x","f":"cas","input":{"from":1,"to":"two"},"time":20}',
  '{"type":"ok","process":1,"op":2,"time":30}',
  '{"type":"invoke","process":2,"op":3,"key":"x","f":"read","time":40}',
  '{"type":"ok","process":2,"op":3,"output":{"value":"two"},"time":50}',
];

describe('decodeRegisterOperations', () => {
  it('reads write, cas and read operations', () => {
    const operations = decodeRegisterOperations(parseHistory(lines).operations);
    assert.deepEqual(
      operations.map((operation) => [operation.input, operation.output]),
      [
        [{ key: 'x', f: 'write', value: 1 }, {}],
        [{ key: 'x', f: 'cas', from: 1, to: 'two' }, {}],
        [{ key: 'x', f: 'read' }, { value: 'two' }],
      ],
    );
    assert.equal(checkLinearizability(registerModel, operations).verdict, 'linearizable');
  });

  it('rejects unknown functions and values that are not scalars', () => {
    const parsed = (line: string) =>
      parseHistory([line, '{"type":"ok","process":1,"op":1,"time":1}']).operations;
    assert.throws(
      () =>
        decodeRegisterOperations(
          parsed('{"type":"invoke","process":1,"op":1,"key":"x","f":"append","time":0}'),
        ),
      /op 1: unknown register function "append"/,
    );
    assert.throws(
      () =>
        decodeRegisterOperations(
          parsed(
            '{"type":"invoke","process":1,"op":1,"key":"x","f":"write","input":{"value":[1]},"time":0}',
          ),
        ),
      /op 1: "value" must be a string, number, boolean or null; got \[1\]/,
    );
  });
});
