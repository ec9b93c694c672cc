import { BenchPlan } from '../bench-plan';
import { WorkloadResult } from '../workloads/workload-result';
import { TargetCheck } from './targets';

/** Everything one run wrote to its JSON file. */
export interface BenchReport {
  readonly run: {
    readonly startedAt: string;
    readonly finishedAt: string;
    readonly commit: string;
    readonly mode: 'quick' | 'full';
    readonly etcd: boolean;
    readonly node: string;
    readonly cpus: number;
    /** Load average when the run started: other work on the machine skews absolute numbers. */
    readonly loadAverageAtStart: readonly number[];
    readonly plan: BenchPlan;
  };
  readonly workloads: readonly WorkloadResult[];
  /** Workloads that could not be measured on some system, and why. */
  readonly failures: ReadonlyArray<{ workload: string; system: string; error: string }>;
  readonly targets: readonly TargetCheck[];
}
