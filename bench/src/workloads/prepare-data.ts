import { Etcd3 } from 'etcd3';
import { LoadGenerator } from '../load/load-generator';
import { LoadTarget } from '../load/load-protocol';
import { BenchPlan } from '../bench-plan';
import { SystemUnderTest } from '../systems/system-under-test';

const UAV_REGISTRATION = JSON.stringify({
  capabilities: { max_altitude: 120 },
  metadata: { model: 'quad-x' },
});

async function registerUavs(
  target: LoadTarget,
  leader: number,
  uavIds: readonly string[],
): Promise<void> {
  if (target.system === 'falconmind') {
    for (const uavId of uavIds) {
      const response = await fetch(`${target.urls[leader]}/uavs/${uavId}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: UAV_REGISTRATION,
        signal: AbortSignal.timeout(15_000),
      });
      if (!response.ok)
        throw new Error(`registering ${uavId} failed: ${response.status} ${await response.text()}`);
    }
    return;
  }
  // etcd has no UAVs: the same records go in as keys, so both systems start from the same data.
  const client = new Etcd3({ hosts: [target.endpoints[leader]] });
  try {
    for (const uavId of uavIds) await client.put(`uav/${uavId}`).value(UAV_REGISTRATION);
  } finally {
    client.close();
  }
}

/**
 * Registers the UAV pool and writes the documents the read workloads read back. Returns the keys
 * written (acknowledged), which every read workload samples.
 */
export async function prepareData(
  system: SystemUnderTest,
  generator: LoadGenerator,
  plan: BenchPlan,
  uavIds: readonly string[],
  keyPrefix: string,
): Promise<string[]> {
  const leader = await system.leaderIndex();
  await registerUavs(system.target(), leader, uavIds);
  const written = await generator.run({
    target: system.target(),
    uavIds,
    operation: 'write',
    clients: 16,
    totalOps: plan.readKeyCount,
    keyPrefix: `${keyPrefix}-read`,
    firstEndpoint: leader,
    attemptTimeoutMs: 10_000,
    retryUntilAcknowledged: false,
  });
  if (written.acknowledgedKeys.length === 0)
    throw new Error(`no document could be written: ${written.errorSamples.join('; ')}`);
  return [...written.acknowledgedKeys];
}
