import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { checkLinearizability } from '../../core/check-linearizability';
import type { Operation } from '../../core/operation';
import { parseHistory } from '../../history/parse-history';
import { simulateMissionHistory } from '../../testing/simulated-mission-history';
import { decodeMissionOperations } from './mission-history';
import { missionModel, type MissionInput, type MissionView } from './mission-model';

type MissionOperation = Operation<MissionInput, MissionView>;

/** Enough invokes that, after failed ones are dropped, over 50,000 operations remain. */
const simulated = simulateMissionHistory({
  seed: 42,
  operationCount: 64_000,
  processCount: 10,
  activeMissions: 12,
  opsPerMission: 250,
  infoRate: 0.03,
});
const operations = decodeMissionOperations(parseHistory(simulated.lines).operations);

/**
 * Replaces the output of a read that started after the mission reached version v (an `ok`
 * operation answering v had returned) with version v - 1 as an `ok` operation reported it: a stale
 * read that the version counter makes impossible to explain.
 */
function withOneStaleRead(history: readonly MissionOperation[]): {
  readonly mutated: MissionOperation[];
  readonly read: MissionOperation;
} {
  const seen = new Map<string, MissionOperation[]>();
  for (const operation of history) {
    if (operation.status !== 'ok' || operation.output?.found !== true) continue;
    const key = operation.input.key;
    const earlier = seen.get(key) ?? [];
    seen.set(key, [...earlier, operation]);
    if (operation.input.f !== 'read') continue;
    const version = operation.output.version;
    const acknowledged = earlier.some(
      (other) =>
        other.input.f !== 'read' &&
        other.output?.found === true &&
        other.output.version === version &&
        other.return < operation.call,
    );
    const previous = earlier.find(
      (other) => other.output?.found === true && other.output.version === version - 1,
    );
    if (acknowledged && previous?.output !== undefined) {
      const stale = { ...operation, output: previous.output };
      return {
        mutated: history.map((original) => (original === operation ? stale : original)),
        read: stale,
      };
    }
  }
  throw new Error('the generated history has no read to make stale');
}

describe('a generated history of a linearizable mission store', () => {
  it('has over 50,000 operations on hundreds of missions, some of them info', () => {
    const keys = new Set(operations.map((operation) => operation.input.key));
    const infos = operations.filter((operation) => operation.status === 'info').length;
    assert.ok(operations.length >= 50_000, `${operations.length} operations`);
    assert.ok(keys.size >= 100 && keys.size <= 1000, `${keys.size} missions`);
    assert.ok(infos > 500, `${infos} info operations`);
  });

  it('is linearizable', (t) => {
    // Logged, not asserted: the machine running the tests may be busy.
    const started = process.hrtime.bigint();
    const cpuBefore = process.cpuUsage();
    const result = checkLinearizability(missionModel, operations);
    const cpu = process.cpuUsage(cpuBefore);
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const steps = result.keys.reduce((total, key) => total + key.steps, 0);
    t.diagnostic(
      `checked ${operations.length} operations on ${result.keys.length} keys in ` +
        `${wallMs.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU (${steps} search steps)`,
    );
    assert.equal(result.verdict, 'linearizable', result.counterexample?.text ?? result.reason);
    assert.equal(result.keys.length, new Set(operations.map((o) => o.input.key)).size);
  });

  it('is caught with a single read changed to a stale value', (t) => {
    const { mutated, read } = withOneStaleRead(operations);
    const result = checkLinearizability(missionModel, mutated);
    assert.equal(result.verdict, 'not-linearizable');
    assert.deepEqual(
      result.keys.filter((key) => key.verdict !== 'linearizable').map((key) => key.key),
      [read.input.key],
    );
    assert.ok(result.counterexample);
    assert.equal(result.counterexample.key, read.input.key);
    t.diagnostic(result.counterexample.text.split('\n').slice(-4).join('\n'));
  });
});
