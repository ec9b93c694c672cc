import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyOutcome } from '../../chaos/src/classify-outcome';
import { parseChaosArgs, UsageError } from '../../chaos/src/cli-options';
import { HttpOutcome } from '../../chaos/src/fleet-http';
import { checkDurability, checkStaleReads } from '../../chaos/src/history-checks';
import {
  CompletedOp,
  CompletionEntry,
  HistoryEntry,
  InvokeEntry,
  MissionFunction,
  OpInput,
  OpMeta,
  OpOutput,
  pairOperations,
} from '../../chaos/src/history-writer';
import { checkerLines, checkHistoryLinearizable } from '../../chaos/src/linearizability-check';
import { FAULT_KINDS, NemesisSchedule } from '../../chaos/src/nemesis-schedule';
import { SeededRandom } from '../../chaos/src/seeded-random';

/** The harness's pure parts: outcome classification, the schedule, the history checks. */

function answer(status: number, body: unknown = {}): HttpOutcome {
  return { kind: 'answer', status, body, raft: { servedBy: 'n1', term: 2, appliedIndex: 10 } };
}

describe('classifyOutcome', () => {
  it('calls a write fail only when it certainly did not apply', () => {
    const mission = { state: 'RUNNING', version: 2 };
    assert.equal(classifyOutcome('dispatch', answer(200, mission)).type, 'ok');
    assert.deepEqual(classifyOutcome('dispatch', answer(200, mission)).output, mission);
    for (const status of [400, 404, 409]) {
      assert.equal(classifyOutcome('pause', answer(status)).type, 'fail', `${status}`);
    }
    const notProposed = answer(503, { message: 'no leader can take the request now (x); retry' });
    assert.equal(classifyOutcome('resume', notProposed).type, 'fail');
    const inFlight = answer(503, { message: 'the leader changed while the request was in flight' });
    assert.equal(classifyOutcome('resume', inFlight).type, 'info');
    assert.equal(classifyOutcome('cancel', answer(500)).type, 'info');
    const refused: HttpOutcome = { kind: 'no-answer', reason: 'refused', message: 'ECONNREFUSED' };
    assert.equal(classifyOutcome('create', refused).type, 'fail');
    for (const reason of ['timeout', 'reset', 'other'] as const) {
      const lost: HttpOutcome = { kind: 'no-answer', reason, message: reason };
      assert.equal(classifyOutcome('create', lost).type, 'info', reason);
    }
  });

  it('reads: 404 is an answer, anything unusable is a fail (a read changes nothing)', () => {
    assert.deepEqual(classifyOutcome('read', answer(404)).output, { found: false });
    assert.deepEqual(
      classifyOutcome('read', answer(200, { state: 'PENDING', version: 1 })).output,
      {
        found: true,
        state: 'PENDING',
        version: 1,
      },
    );
    assert.equal(classifyOutcome('read', answer(503)).type, 'fail');
    const timeout: HttpOutcome = { kind: 'no-answer', reason: 'timeout', message: 't' };
    assert.equal(classifyOutcome('read', timeout).type, 'fail');
  });
});

describe('NemesisSchedule', () => {
  it('covers every kind early (membership twice) and replays from its seed', () => {
    const steps = (seed: number) => {
      const schedule = new NemesisSchedule(new SeededRandom(seed), FAULT_KINDS);
      return Array.from({ length: 30 }, () => schedule.next());
    };
    const first = steps(5);
    assert.deepEqual(first, steps(5));
    assert.notDeepEqual(first, steps(6));
    const early = first.slice(0, FAULT_KINDS.length + 1).map((s) => s.kind);
    assert.deepEqual([...new Set(early)].sort(), [...FAULT_KINDS].sort());
    assert.equal(early.filter((k) => k === 'membership').length, 2);
    for (const step of first.filter((s) => s.kind === 'pause-node')) {
      assert.ok(step.holdMs >= 1500, 'a pause outlasts the election timeout');
    }
  });
});

describe('parseChaosArgs', () => {
  it('reads the options and refuses bad ones', () => {
    const options = parseChaosArgs(['--nodes', '5', '--duration=30', '--bug', 'stale-read']);
    assert.ok(options !== 'help');
    assert.equal(options.nodes, 5);
    assert.equal(options.durationS, 30);
    assert.equal(options.clients, 10);
    assert.equal(options.bug, 'stale-read');
    assert.equal(parseChaosArgs(['--help']), 'help');
    assert.throws(() => parseChaosArgs(['--nodes', '4']), UsageError);
    assert.throws(() => parseChaosArgs(['--faults', 'meteor']), UsageError);
    assert.throws(() => parseChaosArgs(['--snapshot-threshold', '5']), UsageError);
  });
});

/** A small history builder: operations with explicit times (ms), on one key unless given. */
class HistoryBuilder {
  readonly entries: HistoryEntry[] = [];
  private op = 0;

  add(
    f: MissionFunction,
    [start, end]: [number, number],
    type: CompletionEntry['type'],
    output?: OpOutput,
    options: { input?: OpInput; meta?: OpMeta; key?: string; node?: string } = {},
  ): this {
    this.op++;
    const invoke: InvokeEntry = {
      type: 'invoke',
      process: this.op,
      op: this.op,
      key: options.key ?? 'm-1',
      f,
      input: options.input ?? (f === 'read' ? { consistency: 'linearizable' } : {}),
      time: start * 1e6,
      node: options.node ?? 'n1',
    };
    this.entries.push(invoke, {
      type,
      process: this.op,
      op: this.op,
      ...(output ? { output } : {}),
      time: end * 1e6,
      ...(options.meta ? { meta: options.meta } : {}),
    });
    return this;
  }

  pairs(): CompletedOp[] {
    return pairOperations(this.entries);
  }
}

describe('checkDurability', () => {
  const history = new HistoryBuilder()
    .add('create', [0, 10], 'ok', { state: 'PENDING', version: 1 })
    .add('dispatch', [20, 30], 'ok', { state: 'RUNNING', version: 2 })
    .add('pause', [40, 50], 'info')
    .add('resume', [60, 70], 'fail');

  it('accepts a final version within acknowledged and acknowledged + unknown changes', () => {
    for (const version of [2, 3]) {
      const report = checkDurability(history.pairs(), [
        { mission_id: 'm-1', state: 'RUNNING', version },
      ]);
      assert.deepEqual([report.lost, report.duplicated], [[], []], `v${version}`);
    }
  });

  it('reports a lost acknowledged write and a change applied twice', () => {
    assert.equal(checkDurability(history.pairs(), []).lost.length, 1);
    const behind = checkDurability(history.pairs(), [
      { mission_id: 'm-1', state: 'PENDING', version: 1 },
    ]);
    assert.equal(behind.lost.length, 1);
    const ahead = checkDurability(history.pairs(), [
      { mission_id: 'm-1', state: 'RUNNING', version: 4 },
    ]);
    assert.equal(ahead.duplicated.length, 1);
  });
});

describe('checkStaleReads', () => {
  it('accepts a lagging stale read and refuses a dishonest one', () => {
    const stale = (max?: number): OpInput => ({
      consistency: 'stale',
      ...(max !== undefined ? { max_staleness_ms: max } : {}),
    });
    const history = new HistoryBuilder()
      .add('create', [0, 10], 'ok', { state: 'PENDING', version: 1 })
      .add('dispatch', [20, 30], 'ok', { state: 'RUNNING', version: 2 })
      // Behind, but honest: fine.
      .add(
        'read',
        [40, 41],
        'ok',
        { found: true, state: 'PENDING', version: 1 },
        {
          input: stale(),
          meta: { served_by: 'n1', applied_index: 5, last_contact_ms: 20 },
        },
      )
      // Served although its last contact exceeds the bound it was asked for.
      .add(
        'read',
        [50, 51],
        'ok',
        { found: true, state: 'RUNNING', version: 2 },
        {
          input: stale(100),
          meta: { served_by: 'n1', applied_index: 7, last_contact_ms: 900 },
        },
      )
      // Went back in time on the same node.
      .add(
        'read',
        [60, 61],
        'ok',
        { found: true, state: 'PENDING', version: 1 },
        { input: stale(), meta: { served_by: 'n1', applied_index: 6, last_contact_ms: 5 } },
      )
      // A version nobody wrote.
      .add(
        'read',
        [70, 71],
        'ok',
        { found: true, state: 'PAUSED', version: 3 },
        { input: stale(), meta: { served_by: 'n2', applied_index: 8, last_contact_ms: 5 } },
      );
    const report = checkStaleReads(history.pairs(), 8);
    const ops = report.violations.map((v) => v.op).sort();
    assert.deepEqual(ops, [4, 5, 5, 6], JSON.stringify(report.violations));
  });
});

describe('checkStaleReads: applied index', () => {
  it('refuses a read answered at an index that a later write had not reached', () => {
    const history = new HistoryBuilder()
      .add(
        'create',
        [0, 10],
        'ok',
        { state: 'PENDING', version: 1 },
        { meta: { applied_index: 4 } },
      )
      .add(
        'read',
        [20, 21],
        'ok',
        { found: true, state: 'PENDING', version: 1 },
        { meta: { served_by: 'n1', applied_index: 9 } },
      )
      .add(
        'dispatch',
        [30, 40],
        'ok',
        { state: 'RUNNING', version: 2 },
        { meta: { applied_index: 8 } },
      );
    const report = checkStaleReads(history.pairs(), 20);
    assert.deepEqual(
      report.violations.map((v) => v.op),
      [2],
    );
    assert.match(report.violations[0].reason, /acknowledged at 8/);
  });
});

describe('checkHistoryLinearizable', () => {
  it('leaves stale reads out, and catches a linearizable read of an old state', () => {
    const history = new HistoryBuilder()
      .add('create', [0, 10], 'ok', { state: 'PENDING', version: 1 })
      .add('dispatch', [20, 30], 'ok', { state: 'RUNNING', version: 2 })
      .add(
        'read',
        [40, 41],
        'ok',
        { found: true, state: 'PENDING', version: 1 },
        { input: { consistency: 'stale' } },
      );
    assert.equal(checkerLines(history.entries, ['linearizable']).length, 4);
    assert.equal(
      checkHistoryLinearizable(history.entries, ['linearizable'], 5000).verdict,
      'linearizable',
    );
    history.add('read', [50, 51], 'ok', { found: true, state: 'PENDING', version: 1 });
    const report = checkHistoryLinearizable(history.entries, ['linearizable'], 5000);
    assert.equal(report.verdict, 'not-linearizable');
    assert.match(report.counterexample ?? '', /m-1/);
  });
});
