import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PLANTED_BUG_NAMES } from '../testing/planted-bugs';
import { runSimulation, SCENARIOS, SimulationResult } from './simulation';

/** Seeds `npm test` runs; `npm run sim` runs 1000 by default. */
const TEST_SEEDS = 300;
/** The default seed count of `npm run sim`: each planted bug must be found within it. */
const DEFAULT_SEEDS = 1000;

function failed(result: SimulationResult): boolean {
  return result.violations.length > 0 || result.livenessFailure !== undefined;
}

describe('the Raft simulator', () => {
  it(`keeps every invariant and recovers after healing, over ${TEST_SEEDS} seeds`, () => {
    const failures: string[] = [];
    const scenarios = new Set<string>();
    let faults = 0;
    let acknowledged = 0;
    for (let seed = 1; seed <= TEST_SEEDS; seed++) {
      const result = runSimulation({ seed });
      scenarios.add(result.scenario);
      faults += result.faults;
      acknowledged += result.acknowledged;
      if (failed(result)) {
        failures.push(`seed ${seed}: ${result.violations[0] ?? result.livenessFailure ?? ''}`);
      }
    }
    assert.deepEqual(failures, []);
    assert.equal(scenarios.size, SCENARIOS.length, 'every scenario ran');
    assert.ok(faults > TEST_SEEDS * 5, `faults were injected (${faults})`);
    assert.ok(acknowledged > TEST_SEEDS * 20, `writes were acknowledged (${acknowledged})`);
  });

  it('replays a seed exactly', () => {
    const lines = (seed: number): string[] => {
      const trace: string[] = [];
      runSimulation({ seed, trace: (line) => trace.push(line) });
      return trace;
    };
    const first = lines(42);
    assert.ok(first.length > 100);
    assert.deepEqual(lines(42), first);
    assert.notDeepEqual(lines(43), first);
  });

  for (const bug of PLANTED_BUG_NAMES) {
    it(`finds the planted bug ${bug} within ${DEFAULT_SEEDS} seeds`, () => {
      for (let seed = 1; seed <= DEFAULT_SEEDS; seed++) {
        const result = runSimulation({ seed, bug });
        if (result.violations.length > 0) return;
      }
      assert.fail(`${bug} was not detected in ${DEFAULT_SEEDS} seeds`);
    });
  }
});
