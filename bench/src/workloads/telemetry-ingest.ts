import { summarizeLatencies } from '../latency-summary';
import { startUsageMonitor } from './measure-load';
import { highestTermOf, notApplicableToEtcd, scrapeMetrics } from './node-probes';
import { Workload, WorkloadContext } from './workload-context';
import { SystemMeasurement } from './workload-result';

/** UAVs the samples are spread over. */
const UAV_COUNT = 500;
/** Samples per HTTP request: about 75 KB of JSON, under the node's 100 KB body limit. */
const SAMPLES_PER_REQUEST = 240;
const REQUEST_TIMEOUT_MS = 10_000;
/** How often every member's term is read while the load runs. */
const TERM_POLL_MS = 250;

interface IngestTotals {
  requests: number;
  failed: number;
  samplesAccepted: number;
  latenciesMs: number[];
  errorSamples: Set<string>;
}

/**
 * Telemetry ingest: closed-loop clients POST batches of samples to the leader's
 * /ingress/telemetry (never through Raft), while every member's term is watched: the figure that
 * matters beside samples/s is the elections during the load (0 when Raft heartbeats stayed on
 * time). etcd has nothing to compare with.
 */
export const telemetryIngest: Workload = {
  title: 'Telemetry ingest',
  description: `Closed-loop clients POST batches of ${SAMPLES_PER_REQUEST} telemetry samples (${UAV_COUNT} UAVs) to the FalconMind leader's /ingress/telemetry; samples/s accepted, and elections (term changes) meanwhile. FalconMind only.`,
  async run(context) {
    if (context.system.name !== 'falconmind') return notApplicableToEtcd('telemetry ingress');
    return measureIngest(context);
  },
};

async function measureIngest(context: WorkloadContext): Promise<SystemMeasurement> {
  const target = context.system.target();
  if (target.system !== 'falconmind') return notApplicableToEtcd('telemetry ingress');
  const urls = target.urls;
  const leaderUrl = urls[await context.system.leaderIndex()];
  const durationMs = context.plan.telemetryDurationMs;

  const followerUrls = urls.filter((url) => url !== leaderUrl);
  const termAtStart = await highestTermOf(urls);
  const before = await scrapeMetrics(leaderUrl);
  const followersBefore = await Promise.all(followerUrls.map(scrapeMetrics));
  let highestTerm = termAtStart;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      highestTerm = Math.max(highestTerm, await highestTermOf(urls));
      await new Promise((resolve) => setTimeout(resolve, TERM_POLL_MS));
    }
  })();

  const monitor = await startUsageMonitor(context);
  const totals: IngestTotals = {
    requests: 0,
    failed: 0,
    samplesAccepted: 0,
    latenciesMs: [],
    errorSamples: new Set(),
  };
  const started = Date.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: context.plan.telemetryClients }, (_, client) =>
      ingestLoop(leaderUrl, client, deadline, totals),
    ),
  );
  const elapsedMs = Date.now() - started;
  const processes = monitor.stop();
  polling = false;
  await poller;
  highestTerm = Math.max(highestTerm, await highestTermOf(urls));
  const after = await scrapeMetrics(leaderUrl);
  const followersAfter = await Promise.all(followerUrls.map(scrapeMetrics));
  /** Summed over the followers. */
  const followerDelta = (name: string): number =>
    followersAfter.reduce(
      (sum, series, i) => sum + (series.get(name) ?? 0) - (followersBefore[i].get(name) ?? 0),
      0,
    );

  const durationS = elapsedMs / 1000;
  const samplesPerS = Math.round(totals.samplesAccepted / Math.max(0.001, durationS));
  const delta = (name: string): number => (after.get(name) ?? 0) - (before.get(name) ?? 0);
  const shed = delta('falconmind_telemetry_samples_shed_total{source="http"}');
  return {
    succeeded: totals.requests,
    failed: totals.failed,
    durationS: Math.round(durationS * 100) / 100,
    throughputOpsPerS: samplesPerS,
    latency: summarizeLatencies(totals.latenciesMs),
    processes,
    figures: {
      telemetrySamplesPerS: samplesPerS,
      // Accepted samples are validated and queued; those shed before being stored do not count here.
      telemetryStoredPerS: Math.round((totals.samplesAccepted - shed) / Math.max(0.001, durationS)),
      telemetryElections: highestTerm - termAtStart,
      telemetryShed: shed,
      telemetryPeerSent: delta('falconmind_peer_telemetry_sent_total'),
      telemetryPeerDropped: delta('falconmind_peer_telemetry_dropped_total'),
      followersPeerAccepted: followerDelta(
        'falconmind_telemetry_samples_accepted_total{source="peer"}',
      ),
      followersPeerShed: followerDelta('falconmind_telemetry_samples_shed_total{source="peer"}'),
      leaderEventLoopLagP99Ms:
        Math.round((after.get('falconmind_nodejs_eventloop_lag_p99_seconds') ?? 0) * 1e4) / 10,
    },
    errorSamples: [...totals.errorSamples].slice(0, 5),
    notes: [
      `throughput and latency here are per sample and per request of ${SAMPLES_PER_REQUEST} samples`,
    ],
  };
}

/** One client: POSTs batches back to back until the deadline. */
async function ingestLoop(
  url: string,
  client: number,
  deadline: number,
  totals: IngestTotals,
): Promise<void> {
  for (let round = 0; Date.now() < deadline; round++) {
    const body = batchBody(client, round);
    const sentAt = performance.now();
    try {
      const response = await fetch(`${url}/ingress/telemetry`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const answer = (await response.json()) as { accepted?: number; message?: string };
      if (response.status !== 202) {
        totals.failed++;
        totals.errorSamples.add(`${response.status} ${answer.message ?? ''}`);
        continue;
      }
      totals.requests++;
      totals.samplesAccepted += answer.accepted ?? 0;
      totals.latenciesMs.push(performance.now() - sentAt);
    } catch (error) {
      totals.failed++;
      totals.errorSamples.add(error instanceof Error ? error.message : String(error));
    }
  }
}

/** A batch with a fresh timestamp per sample, so that every one of them is new to the store. */
function batchBody(client: number, round: number): string {
  const baseNs = BigInt(Date.now()) * 1_000_000n;
  const parts: string[] = [];
  for (let i = 0; i < SAMPLES_PER_REQUEST; i++) {
    const uav = (client * SAMPLES_PER_REQUEST + i) % UAV_COUNT;
    const lat = 45 + ((round + i) % 1000) / 10_000;
    parts.push(
      `{"uav_id":"bench-uav-${uav}","timestamp_ns":"${baseNs + BigInt(client * 1000 + i)}",` +
        `"position":{"lat":${lat},"lon":11.5,"alt":120.5},` +
        `"attitude":{"roll":0.01,"pitch":-0.02,"yaw":1.57},"velocity":{"vx":4.2,"vy":0.1,"vz":-0.3},` +
        `"battery":{"percent":81.5,"voltage_mv":15600},"gps":{"fix_type":3,"num_sat":12},` +
        `"link_quality":0.93,"flight_mode":"AUTO"}`,
    );
  }
  return `[${parts.join(',')}]`;
}
