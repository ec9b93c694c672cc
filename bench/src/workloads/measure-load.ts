import { summarizeLatencies } from '../latency-summary';
import { LoadJob, LoadResult } from '../load/load-protocol';
import { UsageMonitor } from '../usage-monitor';
import { WorkloadContext } from './workload-context';
import { SystemMeasurement } from './workload-result';

/** The label of the load generator's own CPU and memory, reported beside the members'. */
export const GENERATOR_LABEL = 'load generator';

/**
 * Watches the system's processes and the load generator (whose CPU shows whether the generator,
 * not the system, was the bottleneck).
 */
export async function startUsageMonitor(context: WorkloadContext): Promise<UsageMonitor> {
  await context.system.refreshMonitoring();
  const generatorPid = context.generator.pid;
  return new UsageMonitor(
    [
      ...context.system.monitoredProcesses(),
      { label: GENERATOR_LABEL, pids: () => (generatorPid === undefined ? [] : [generatorPid]) },
    ],
    () => context.system.refreshMonitoring(),
  );
}

/** Database backends are labelled `<member> postgres`. */
export const POSTGRES_SUFFIX = ' postgres';

/** A member of the cluster itself (not its database backends, not the generator). */
export function isMemberProcess(label: string): boolean {
  return label !== GENERATOR_LABEL && !label.endsWith(POSTGRES_SUFFIX);
}

/** The highest peak RSS of a single member, in MB. */
export function memberPeakRssMb(processes: SystemMeasurement['processes']): number | undefined {
  const members = processes.filter((p) => isMemberProcess(p.label));
  return members.length === 0 ? undefined : Math.max(...members.map((p) => p.peakRssMb));
}

/** The job fields every workload sets the same way. */
export type JobShape = Omit<LoadJob, 'target' | 'uavIds'>;

/** Runs one job while watching the system's processes, and turns the raw result into a measurement. */
export async function measureLoad(
  context: WorkloadContext,
  shape: JobShape,
  figures: Record<string, number> = {},
): Promise<{ measurement: SystemMeasurement; raw: LoadResult }> {
  const monitor = await startUsageMonitor(context);
  const raw = await context.generator.run({
    ...shape,
    target: context.system.target(),
    uavIds: context.uavIds,
  });
  const processes = monitor.stop();
  return { measurement: toMeasurement(raw, processes, figures), raw };
}

export function toMeasurement(
  raw: LoadResult,
  processes: SystemMeasurement['processes'],
  figures: Record<string, number> = {},
  notes: readonly string[] = [],
): SystemMeasurement {
  const durationS = raw.elapsedMs / 1000;
  return {
    succeeded: raw.succeeded,
    failed: raw.failed,
    durationS: Math.round(durationS * 100) / 100,
    throughputOpsPerS: Math.round((raw.succeeded / Math.max(0.001, durationS)) * 10) / 10,
    latency: summarizeLatencies(raw.latenciesMs),
    processes,
    figures,
    errorSamples: raw.errorSamples,
    notes,
  };
}
