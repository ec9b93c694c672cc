import { summarizeLatencies } from '../latency-summary';
import { SystemMeasurement } from './workload-result';

/**
 * What the FalconMind-only workloads (telemetry, events) read from the nodes around a run, and how
 * they answer for etcd, which has nothing to compare.
 */

/** A node's current Raft term (0 if it does not answer): term changes during a run are elections. */
export async function termOf(url: string): Promise<number> {
  try {
    const response = await fetch(`${url}/cluster/info`, { signal: AbortSignal.timeout(2_000) });
    return ((await response.json()) as { term?: number }).term ?? 0;
  } catch {
    return 0;
  }
}

/** The highest term any of the nodes reports. */
export async function highestTermOf(urls: readonly string[]): Promise<number> {
  return Math.max(0, ...(await Promise.all(urls.map(termOf))));
}

/** A node's /metrics series by full name (labels included); empty if it does not answer. */
export async function scrapeMetrics(url: string): Promise<Map<string, number>> {
  const series = new Map<string, number>();
  try {
    const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) });
    for (const line of (await response.text()).split('\n')) {
      if (line.startsWith('#') || line.trim() === '') continue;
      const space = line.lastIndexOf(' ');
      series.set(line.slice(0, space), Number(line.slice(space + 1)));
    }
  } catch {
    // No metrics: the figures that need them read 0.
  }
  return series;
}

/** How much a series grew between two scrapes. */
export function seriesDelta(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
  series: string,
): number {
  return (after.get(series) ?? 0) - (before.get(series) ?? 0);
}

/** How much every series whose name starts with `prefix` grew, summed. */
export function seriesDeltaByPrefix(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
  prefix: string,
): number {
  let sum = 0;
  for (const [series, value] of after) {
    if (series.startsWith(prefix)) sum += value - (before.get(series) ?? 0);
  }
  return sum;
}

/** The measurement of a workload etcd has no counterpart for: `what` etcd lacks. */
export function notApplicableToEtcd(what: string): SystemMeasurement {
  return {
    succeeded: 0,
    failed: 0,
    durationS: 0,
    throughputOpsPerS: 0,
    latency: summarizeLatencies([]),
    processes: [],
    figures: {},
    errorSamples: [],
    notes: [`not applicable: etcd has no ${what} (nothing is compared)`],
  };
}
