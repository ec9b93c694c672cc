/**
 * Linearizability of the history against the mission model (`@falconmind/linearizability`): every
 * write, and the reads that promise linearizability. `stale` reads promise nothing of the kind and
 * are left out (they have checks of their own). Lease reads are linearizable only while clocks and
 * pauses stay within the lease's assumptions (a SIGSTOPped leader breaks them), so they are checked
 * on their own and reported, without deciding the run.
 */
import { checkMissionHistory, type Verdict } from '@falconmind/linearizability';
import { Consistency, HistoryEntry, InvokeEntry } from './history-writer';

export interface LinearizabilityReport {
  readonly verdict: Verdict;
  readonly operationsChecked: number;
  readonly keysChecked: number;
  readonly unknownKeys: readonly string[];
  readonly reason?: string;
  /** The first counterexample, as the checker describes it. */
  readonly counterexample?: string;
  readonly elapsedMs: number;
}

/** The history's lines for the checker: writes, and reads at the given consistencies only. */
export function checkerLines(
  entries: readonly HistoryEntry[],
  readsAt: readonly Consistency[],
): string[] {
  const excluded = new Set<number>();
  const lines: string[] = [];
  for (const entry of entries) {
    if (entry.type === 'invoke') {
      const invoke: InvokeEntry = entry;
      if (invoke.f === 'read' && !readsAt.includes(invoke.input.consistency ?? 'linearizable')) {
        excluded.add(invoke.op);
        continue;
      }
      const { type, process, op, key, f, input, time } = invoke;
      lines.push(JSON.stringify({ type, process, op, key, f, input, time }));
    } else if (!excluded.has(entry.op)) {
      const { type, process, op, output, time } = entry;
      lines.push(JSON.stringify({ type, process, op, ...(output ? { output } : {}), time }));
    }
  }
  return lines;
}

export function checkHistoryLinearizable(
  entries: readonly HistoryEntry[],
  readsAt: readonly Consistency[],
  timeoutMs: number,
): LinearizabilityReport {
  const lines = checkerLines(entries, readsAt);
  const result = checkMissionHistory(lines, { timeoutMs });
  return {
    verdict: result.verdict,
    operationsChecked: result.keys.reduce((sum, k) => sum + k.operationCount, 0),
    keysChecked: result.keys.length,
    unknownKeys: result.keys.filter((k) => k.verdict === 'unknown').map((k) => k.key),
    ...(result.reason !== undefined ? { reason: result.reason } : {}),
    ...(result.counterexample ? { counterexample: result.counterexample.text } : {}),
    elapsedMs: result.elapsedMs,
  };
}
