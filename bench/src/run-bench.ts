import os from 'node:os';
import { BenchOptions } from './cli-options';
import { planFor } from './bench-plan';
import { LoadGenerator } from './load/load-generator';
import { wasInterrupted } from './cleanup-registry';
import { logProgress, logWarning } from './progress-log';
import { BenchReport } from './report/bench-report';
import { writeResults } from './report/results-file';
import { checkTargets } from './report/targets';
import { currentCommit } from './report/results-file';
import { EtcdSystem } from './systems/etcd-system';
import { FalconMindCluster } from './systems/falconmind-cluster';
import { compileNode, SOURCE_ENTRY } from './systems/node-entry';
import { settleDisk } from './systems/settle-disk';
import { SYSTEM_TITLES, SystemUnderTest } from './systems/system-under-test';
import { prepareData } from './workloads/prepare-data';
import { WORKLOADS } from './workloads/workload-catalog';
import { WorkloadContext } from './workloads/workload-context';
import { SystemMeasurement, WorkloadResult } from './workloads/workload-result';

const CLUSTER_SIZE = 3;
/** After a workload failed, how long the members get to come back before the next one. */
const RECOVERY_TIMEOUT_MS = 120_000;

function describe(measurement: SystemMeasurement): string {
  const { latency } = measurement;
  return `${measurement.throughputOpsPerS} ops/s, p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms, p99.9 ${latency.p999Ms} ms, ${measurement.failed} failed`;
}

/** Starts the systems, runs the chosen workloads on each in turn, writes and returns the report. */
export async function runBench(
  options: BenchOptions,
): Promise<{ report: BenchReport; files: { json: string; markdown: string } }> {
  const plan = planFor(options);
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = os.loadavg();
  const runTag = `b${Date.now().toString(36)}`;
  logProgress(
    `${options.quick ? 'quick' : 'full'} run of ${options.only.join(', ')} on FalconMind${options.etcd ? ' and etcd' : ''}`,
  );
  const generator = await LoadGenerator.start();
  if (!options.fromSource) logProgress('compiling the node (tsc), as a deployment runs it');
  const entry = options.fromSource ? SOURCE_ENTRY : await compileNode();
  logProgress(`FalconMind nodes run ${entry.description}`);
  logProgress(
    `starting ${CLUSTER_SIZE} FalconMind nodes${options.etcd ? ` and ${CLUSTER_SIZE} etcd members` : ''}`,
  );
  const systems: SystemUnderTest[] = await Promise.all([
    FalconMindCluster.start(CLUSTER_SIZE, entry),
    ...(options.etcd ? [EtcdSystem.start(CLUSTER_SIZE)] : []),
  ]);
  const uavIds = Array.from({ length: plan.uavPool }, (_, i) => `${runTag}-uav-${i}`);
  const contexts: WorkloadContext[] = [];
  for (const system of systems) {
    logProgress(
      `${SYSTEM_TITLES[system.name]}: registering ${uavIds.length} UAVs, writing ${plan.readKeyCount} documents to read`,
    );
    const readKeys = await prepareData(system, generator, plan, uavIds, `${runTag}-${system.name}`);
    contexts.push({
      system,
      generator,
      plan,
      uavIds,
      readKeys,
      keyPrefix: `${runTag}-${system.name}`,
    });
  }

  const results: WorkloadResult[] = [];
  const failures: Array<{ workload: string; system: string; error: string }> = [];
  for (const [index, id] of options.only.entries()) {
    const workload = WORKLOADS[id];
    logProgress(`workload ${index + 1}/${options.only.length}: ${workload.title}`);
    const measured: WorkloadResult['systems'] = {};
    for (const context of contexts) {
      const title = SYSTEM_TITLES[context.system.name];
      // The clusters are being torn down: measuring them now would only record failures.
      if (wasInterrupted()) throw new Error('interrupted');
      for (const problem of await settleDisk()) logWarning(problem);
      try {
        const measurement = await workload.run(context);
        const crashes = context.system.takeCrashes();
        for (const crash of crashes) logWarning(`during ${workload.title}: ${crash}`);
        measured[context.system.name] =
          crashes.length === 0
            ? measurement
            : {
                ...measurement,
                notes: [
                  ...measurement.notes,
                  ...crashes.map((crash) => `a member crashed: ${crash.split('\n')[0]}`),
                ],
              };
        if (crashes.length > 0) await context.system.awaitConverged(RECOVERY_TIMEOUT_MS);
        logProgress(`  ${title}: ${describe(measurement)}`);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        failures.push({ workload: id, system: context.system.name, error: message });
        logWarning(`${workload.title} failed on ${title}: ${message}`);
        for (const crash of context.system.takeCrashes()) logWarning(crash);
        await context.system.awaitConverged(RECOVERY_TIMEOUT_MS).catch((recovery: unknown) => {
          logWarning(`${title} did not recover: ${String(recovery)}`);
        });
      }
    }
    results.push({
      id,
      title: workload.title,
      description: workload.description,
      systems: measured,
    });
  }

  logProgress('stopping the clusters');
  generator.close();
  await Promise.all(systems.map((system) => system.close()));
  const report: BenchReport = {
    run: {
      startedAt,
      finishedAt: new Date().toISOString(),
      commit: currentCommit(),
      mode: options.quick ? 'quick' : 'full',
      etcd: options.etcd,
      node: process.version,
      cpus: os.cpus().length,
      loadAverageAtStart,
      plan,
    },
    workloads: results,
    failures,
    targets: checkTargets(results),
  };
  const files = await writeResults(report, options.outDir);
  return { report, files };
}
