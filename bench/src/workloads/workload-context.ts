import { BenchPlan } from '../bench-plan';
import { LoadGenerator } from '../load/load-generator';
import { SystemUnderTest } from '../systems/system-under-test';
import { SystemMeasurement } from './workload-result';

/** What every workload gets: the system to measure, the generator to drive it, the sizes. */
export interface WorkloadContext {
  readonly system: SystemUnderTest;
  readonly generator: LoadGenerator;
  readonly plan: BenchPlan;
  /** UAVs registered beforehand; FalconMind missions name them (etcd values carry the same text). */
  readonly uavIds: readonly string[];
  /** Keys written by the preparation step that the read workloads read back. */
  readonly readKeys: readonly string[];
  /** A prefix unique to this run and system, so every workload writes keys of its own. */
  readonly keyPrefix: string;
}

/** A workload measures one system; the orchestrator runs it once per system. */
export interface Workload {
  readonly title: string;
  readonly description: string;
  run(context: WorkloadContext): Promise<SystemMeasurement>;
}
