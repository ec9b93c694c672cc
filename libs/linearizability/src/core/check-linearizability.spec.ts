import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  registerModel,
  type RegisterInput,
  type RegisterOutput,
  type RegisterValue,
} from '../models/register/register-model';
import { isLinearizableByBruteForce } from '../testing/brute-force-linearizability';
import { HistoryBuilder } from '../testing/history-builder';
import { SeededRandom } from '../testing/seeded-random';
import { checkLinearizability } from './check-linearizability';
import type { Operation } from './operation';

type RegisterOperation = Operation<RegisterInput, RegisterOutput>;

const read = (key = 'x'): RegisterInput => ({ key, f: 'read' });
const write = (value: RegisterValue, key = 'x'): RegisterInput => ({ key, f: 'write', value });
const cas = (from: RegisterValue, to: RegisterValue, key = 'x'): RegisterInput => ({
  key,
  f: 'cas',
  from,
  to,
});
const saw = (value: RegisterValue): RegisterOutput => ({ value });
const done: RegisterOutput = {};

const history = (): HistoryBuilder<RegisterInput, RegisterOutput> => new HistoryBuilder();
const check = (operations: RegisterOperation[], options = {}) =>
  checkLinearizability(registerModel, operations, options);

describe('checkLinearizability on registers', () => {
  it('accepts an empty history', () => {
    const result = check([]);
    assert.equal(result.verdict, 'linearizable');
    assert.deepEqual(result.keys, []);
  });

  it('accepts a sequential history', () => {
    const result = check(
      history()
        .ok(1, 0, 10, write(1), done)
        .ok(2, 20, 30, read(), saw(1))
        .ok(1, 40, 50, cas(1, 2), done)
        .ok(2, 60, 70, read(), saw(2))
        .build(),
    );
    assert.equal(result.verdict, 'linearizable');
    assert.deepEqual(result.keys, [
      { key: 'x', operationCount: 4, verdict: 'linearizable', steps: 4 },
    ]);
  });

  it('accepts a read that overlaps a write and sees either value', () => {
    for (const seen of [null, 1]) {
      const operations = history()
        .ok(1, 0, 100, write(1), done)
        .ok(2, 10, 20, read(), saw(seen))
        .build();
      assert.equal(check(operations).verdict, 'linearizable', `read saw ${seen}`);
    }
  });

  it('accepts overlapping reads that disagree, when the write overlaps both', () => {
    // The later-starting read saw the old value: it is ordered first, which real time allows.
    const result = check(
      history()
        .ok(1, 0, 100, write(1), done)
        .ok(2, 10, 60, read(), saw(1))
        .ok(3, 20, 50, read(), saw(null))
        .build(),
    );
    assert.equal(result.verdict, 'linearizable');
  });

  it('accepts concurrent writes whose order is fixed only by a later read', () => {
    const result = check(
      history()
        .ok(1, 0, 50, write(1), done)
        .ok(2, 5, 55, write(2), done)
        .ok(3, 10, 60, write(3), done)
        .ok(4, 70, 80, read(), saw(2))
        .build(),
    );
    assert.equal(result.verdict, 'linearizable');
  });

  it('rejects a stale read: the read starts after the write was acknowledged', () => {
    const result = check(
      history().ok(1, 0, 10, write(1), done).ok(2, 20, 30, read(), saw(null)).build(),
    );
    assert.equal(result.verdict, 'not-linearizable');
    const counterexample = result.counterexample;
    assert.ok(counterexample);
    assert.equal(counterexample.blockedOperation.id, 2);
    assert.deepEqual(
      counterexample.longestLinearizablePrefix.map((step) => [step.operation.id, step.stateAfter]),
      [[1, '1']],
    );
    assert.match(counterexample.text, /op 2 \(process 2\): read x -> null \[call 20, return 30\]/);
  });

  it('rejects a cas that succeeded on a value the register did not hold', () => {
    const result = check(
      history().ok(1, 0, 10, write(1), done).ok(2, 20, 30, cas(5, 6), done).build(),
    );
    assert.equal(result.verdict, 'not-linearizable');
  });

  it('takes an info write as possibly applied, even long after it was sent', () => {
    const result = check(
      history()
        .info(1, 0, write(1))
        .ok(2, 10, 20, read(), saw(null))
        .ok(3, 30, 40, read(), saw(1))
        .build(),
    );
    assert.equal(result.verdict, 'linearizable');
  });

  it('takes an info write as possibly never applied', () => {
    const result = check(history().info(1, 0, write(1)).ok(2, 100, 110, read(), saw(null)).build());
    assert.equal(result.verdict, 'linearizable');
  });

  it('does not let an info write take effect before it was called', () => {
    const result = check(history().ok(1, 0, 10, read(), saw(1)).info(2, 20, write(1)).build());
    assert.equal(result.verdict, 'not-linearizable');
  });

  it('does not let an info write take effect twice', () => {
    const result = check(
      history()
        .info(1, 0, write(1))
        .ok(2, 10, 20, read(), saw(1))
        .ok(3, 30, 40, write(2), done)
        .ok(4, 50, 60, read(), saw(1))
        .build(),
    );
    assert.equal(result.verdict, 'not-linearizable');
  });

  it('keeps many pending info operations cheap when the history is linearizable', () => {
    const builder = history();
    for (let i = 0; i < 40; i++) builder.info(100 + i, i * 10, write(i % 3 === 0 ? 7 : i));
    for (let i = 0; i < 40; i++) builder.ok(1, 1000 + i * 10, 1005 + i * 10, read(), saw(7));
    const result = check(builder.build());
    assert.equal(result.verdict, 'linearizable');
    assert.ok(result.keys[0].steps < 10_000, `took ${result.keys[0].steps} steps`);
  });

  it('checks each key on its own and names the failing one', () => {
    const builder = history();
    for (let key = 0; key < 50; key++) {
      builder.ok(1, key * 100, key * 100 + 10, write(key, `k${key}`), done);
      builder.ok(2, key * 100 + 5, key * 100 + 15, read(`k${key}`), saw(key === 17 ? 99 : key));
    }
    const result = check(builder.build());
    assert.equal(result.verdict, 'not-linearizable');
    assert.equal(result.keys.length, 50);
    assert.deepEqual(
      result.keys.filter((key) => key.verdict !== 'linearizable').map((key) => key.key),
      ['k17'],
    );
    assert.equal(result.counterexample?.key, 'k17');
    assert.match(result.counterexample?.text ?? '', /^Key "k17" is not linearizable/);
  });

  describe('budget', () => {
    /** Six concurrent writes and reads, one read of a value nobody wrote: many orders to rule out. */
    const pathological = (): RegisterOperation[] => {
      const builder = history();
      for (let i = 1; i <= 6; i++) builder.ok(i, 0, 100, write(i), done);
      for (let i = 1; i <= 6; i++) builder.ok(10 + i, 0, 100, read(), saw(i));
      return builder.ok(21, 0, 100, read(), saw(99)).build();
    };

    it('says unknown, with a reason, when the step budget runs out', () => {
      const result = check(pathological(), { maxSteps: 200 });
      assert.equal(result.verdict, 'unknown');
      assert.equal(result.keys[0].verdict, 'unknown');
      assert.equal(result.keys[0].steps, 201);
      assert.match(result.keys[0].reason ?? '', /search budget of 200 steps exhausted/);
      assert.match(result.reason ?? '', /1 of 1 keys undecided.*"x": search budget/);
      assert.equal(result.counterexample, undefined);
    });

    it('finds the same history not linearizable given enough budget', () => {
      const result = check(pathological());
      assert.equal(result.verdict, 'not-linearizable');
      assert.ok(result.keys[0].steps > 200, `only ${result.keys[0].steps} steps`);
    });

    it('says unknown when the deadline has passed', () => {
      const operations = history().ok(1, 0, 10, write(1), done).build();
      for (const options of [{ timeoutMs: 0 }, { deadline: Date.now() - 1 }]) {
        const result = check(operations, options);
        assert.equal(result.verdict, 'unknown');
        assert.match(result.keys[0].reason ?? '', /deadline reached/);
      }
    });

    it('reports not-linearizable over unknown when keys disagree', () => {
      const operations = [
        ...pathological(),
        ...history()
          .ok(31, 0, 10, write(1, 'y'), done)
          .ok(32, 20, 30, read('y'), saw(2))
          .build()
          .map((operation) => ({ ...operation, id: operation.id + 1000 })),
      ];
      const result = check(operations, { maxSteps: 50 });
      assert.equal(result.verdict, 'not-linearizable');
      assert.deepEqual(
        result.keys.map((key) => [key.key, key.verdict]),
        [
          ['x', 'unknown'],
          ['y', 'not-linearizable'],
        ],
      );
    });
  });

  describe('rejects operations that are not a history', () => {
    const base: RegisterOperation = {
      id: 1,
      process: 1,
      input: read(),
      output: saw(null),
      status: 'ok',
      call: 10,
      return: 20,
    };
    const cases: [string, RegisterOperation[], RegExp][] = [
      [
        'a reused id',
        [base, { ...base, call: 30, return: 40 }],
        /operation 1: the id is used twice/,
      ],
      ['a return before the call', [{ ...base, return: 5 }], /returns \(5\) before its call/],
      ['an ok without a return', [{ ...base, return: Infinity }], /needs a finite return time/],
      ['a call that is not a time', [{ ...base, call: Number.NaN }], /call time must be a finite/],
    ];
    for (const [what, operations, message] of cases) {
      it(what, () => assert.throws(() => check(operations), message));
    }

    it('a budget that is not positive', () => {
      assert.throws(() => check([base], { maxSteps: 0 }), /maxSteps must be positive/);
    });
  });

  it('agrees with a brute-force search on 600 random small histories', () => {
    const random = new SeededRandom(20261127);
    const values: RegisterValue[] = [null, 1, 2, 3];
    const verdicts = { linearizable: 0, 'not-linearizable': 0 };
    for (let round = 0; round < 600; round++) {
      const builder = history();
      const size = random.between(1, 6);
      for (let i = 0; i < size; i++) {
        const call = random.between(0, 30);
        const ret = call + random.between(0, 15);
        const process = i + 1;
        const roll = random.next();
        const input =
          roll < 0.45
            ? read()
            : roll < 0.8
              ? write(random.pick(values.slice(1)))
              : cas(random.pick(values), random.pick(values.slice(1)));
        if (random.chance(0.2)) builder.info(process, call, input);
        else
          builder.ok(
            process,
            call,
            ret,
            input,
            input.f === 'read' ? saw(random.pick(values)) : done,
          );
      }
      const operations = builder.build();
      const expected = isLinearizableByBruteForce(registerModel, operations);
      const result = check(operations);
      assert.equal(
        result.verdict,
        expected ? 'linearizable' : 'not-linearizable',
        `round ${round}: ${JSON.stringify(operations)}`,
      );
      verdicts[result.verdict === 'linearizable' ? 'linearizable' : 'not-linearizable']++;
    }
    // Both verdicts are well represented, so the agreement means something.
    assert.ok(verdicts.linearizable > 100, JSON.stringify(verdicts));
    assert.ok(verdicts['not-linearizable'] > 100, JSON.stringify(verdicts));
  });
});
