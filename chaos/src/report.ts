/**
 * The run's verdict: summary.json in the results folder, and the one final line that says it all.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConvergenceReport } from './convergence-check';
import { DurabilityReport, StaleReadReport } from './history-checks';
import { LinearizabilityReport } from './linearizability-check';
import { TimelineKind } from './nemesis-schedule';

export interface ChaosSummary {
  readonly options: Readonly<Record<string, unknown>>;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly operations: { ops: number; ok: number; fail: number; info: number };
  readonly faults: number;
  readonly faultKinds: readonly TimelineKind[];
  readonly linearizability: LinearizabilityReport | { verdict: 'unknown'; reason: string };
  /** Writes plus lease reads; informational (see linearizability-check.ts). */
  readonly leaseReads?: LinearizabilityReport | { verdict: 'unknown'; reason: string };
  readonly durability: DurabilityReport | undefined;
  readonly staleReads: StaleReadReport | undefined;
  readonly convergence: ConvergenceReport | undefined;
  /** Node processes that ended by themselves (restarted by the harness); not part of the verdict. */
  readonly crashes: ReadonlyArray<{
    readonly nodeId: string;
    readonly code: number | null;
    readonly signal: string | null;
    readonly at: string;
    readonly lastLines: readonly string[];
  }>;
  /** Problems of the run itself: a cluster that did not settle, a check that could not run. */
  readonly harnessErrors: readonly string[];
}

export interface Verdict {
  readonly linearizable: boolean;
  readonly lost: number;
  readonly duplicated: number;
  readonly diverged: number;
  readonly stale: number;
  /** True when every check ran and passed. */
  readonly clean: boolean;
}

export function verdictOf(summary: ChaosSummary): Verdict {
  const linearizable = summary.linearizability.verdict === 'linearizable';
  const lost = summary.durability?.lost.length ?? 0;
  const duplicated = summary.durability?.duplicated.length ?? 0;
  const diverged = summary.convergence?.diverged.length ?? 0;
  const stale = summary.staleReads?.violations.length ?? 0;
  const clean =
    linearizable &&
    lost === 0 &&
    duplicated === 0 &&
    diverged === 0 &&
    stale === 0 &&
    summary.durability !== undefined &&
    summary.staleReads !== undefined &&
    summary.convergence !== undefined &&
    summary.harnessErrors.length === 0;
  return { linearizable, lost, duplicated, diverged, stale, clean };
}

/**
 * `chaos: ops=… ok=… fail=… info=… faults=… linearizable=true lost=0 duplicated=0 diverged=0 stale=0`.
 * `linearizable` is `false` for a violation and `unknown` when the checker could not decide.
 */
export function finalLine(summary: ChaosSummary): string {
  const v = verdictOf(summary);
  const { ops, ok, fail, info } = summary.operations;
  const linearizable =
    summary.linearizability.verdict === 'linearizable'
      ? 'true'
      : summary.linearizability.verdict === 'not-linearizable'
        ? 'false'
        : 'unknown';
  const diverged = summary.convergence ? String(v.diverged) : 'unknown';
  return `chaos: ops=${ops} ok=${ok} fail=${fail} info=${info} faults=${summary.faults} linearizable=${linearizable} lost=${v.lost} duplicated=${v.duplicated} diverged=${diverged} stale=${v.stale}`;
}

export async function writeSummary(outDir: string, summary: ChaosSummary): Promise<void> {
  const verdict = verdictOf(summary);
  await writeFile(
    path.join(outDir, 'summary.json'),
    `${JSON.stringify({ verdict, ...summary }, null, 2)}\n`,
  );
}
