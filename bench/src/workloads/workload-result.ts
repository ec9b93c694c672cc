import { WorkloadId } from '../cli-options';
import { LatencySummary } from '../latency-summary';
import { SystemName } from '../systems/system-under-test';
import { ProcessUsage } from '../usage-monitor';

/** What one workload measured on one system. */
export interface SystemMeasurement {
  readonly succeeded: number;
  readonly failed: number;
  readonly durationS: number;
  readonly throughputOpsPerS: number;
  readonly latency: LatencySummary;
  readonly processes: readonly ProcessUsage[];
  /** Workload-specific figures (failover times, catch-up time, lost writes...), by name. */
  readonly figures: Readonly<Record<string, number>>;
  /** Why requests failed, a few examples. */
  readonly errorSamples: readonly string[];
  /** Things the reader must know to trust (or not) these numbers. */
  readonly notes: readonly string[];
}

export interface WorkloadResult {
  readonly id: WorkloadId;
  readonly title: string;
  readonly description: string;
  readonly systems: Partial<Record<SystemName, SystemMeasurement>>;
}
