import http from 'node:http';
import { summarizeLatencies } from '../latency-summary';
import { startUsageMonitor } from './measure-load';
import { notApplicableToEtcd } from './node-probes';
import { Workload, WorkloadContext } from './workload-context';
import { SystemMeasurement } from './workload-result';

/** Subscribers connecting at once while the workload sets up. */
const CONNECT_CONCURRENCY = 100;
/** Between writes, so each write's fan-out is measured on its own rather than as a backlog. */
const WRITE_GAP_MS = 20;
/** How long to wait, after the last write, for the last events to reach every subscriber. */
const DRAIN_TIMEOUT_MS = 15_000;
const REQUEST_TIMEOUT_MS = 10_000;

/** One SSE subscriber of the benchmark: when it received each mission's `mission_created`. */
interface Subscriber {
  readonly request: http.ClientRequest;
  readonly receivedAt: Map<string, number>;
  closedEarly: boolean;
}

/**
 * Event fan-out: SSE subscribers spread over the members (`GET /events?types=mission_created`),
 * then writes one at a time through the leader; for each write and each subscriber, the time from
 * the write's acknowledgement (the 201) to the subscriber's receipt of its event. Both times are
 * taken in this process, on one clock. etcd has nothing to compare with.
 */
export const eventFanout: Workload = {
  title: 'Event fan-out (SSE)',
  description:
    'SSE subscribers spread over the FalconMind members receive mission_created events; writes go one at a time to the leader; latency from the write acknowledgement to each subscriber’s receipt (p50/p99/max over every subscriber and write). FalconMind only.',
  async run(context) {
    if (context.system.name !== 'falconmind') return notApplicableToEtcd('event stream');
    return measureFanout(context);
  },
};

async function measureFanout(context: WorkloadContext): Promise<SystemMeasurement> {
  const target = context.system.target();
  if (target.system !== 'falconmind') return notApplicableToEtcd('event stream');
  const urls = target.urls;
  const leaderUrl = urls[await context.system.leaderIndex()];
  const { eventSubscribers, eventWrites } = context.plan;
  const prefix = `${context.keyPrefix}-fanout`;
  const errors = new Set<string>();

  const subscribers: Subscriber[] = [];
  let connectFailures = 0;
  for (let first = 0; first < eventSubscribers; first += CONNECT_CONCURRENCY) {
    const batch = Array.from(
      { length: Math.min(CONNECT_CONCURRENCY, eventSubscribers - first) },
      (_, i) => subscribe(urls[(first + i) % urls.length], prefix),
    );
    for (const outcome of await Promise.allSettled(batch)) {
      if (outcome.status === 'fulfilled') subscribers.push(outcome.value);
      else {
        connectFailures++;
        errors.add(String(outcome.reason));
      }
    }
  }

  const monitor = await startUsageMonitor(context);
  const ackedAt = new Map<string, number>();
  let failedWrites = 0;
  const started = performance.now();
  for (let i = 0; i < eventWrites; i++) {
    const missionId = `${prefix}-${i}`;
    try {
      const response = await fetch(`${leaderUrl}/missions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(missionBody(missionId, context.uavIds[i % context.uavIds.length])),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const acknowledged = performance.now();
      await response.arrayBuffer();
      if (response.status === 201) ackedAt.set(missionId, acknowledged);
      else {
        failedWrites++;
        errors.add(`write ${response.status}`);
      }
    } catch (error) {
      failedWrites++;
      errors.add(error instanceof Error ? error.message : String(error));
    }
    await new Promise((resolve) => setTimeout(resolve, WRITE_GAP_MS));
  }
  const expected = ackedAt.size * subscribers.length;
  const received = (): number =>
    subscribers.reduce((sum, s) => sum + countAcked(s.receivedAt, ackedAt), 0);
  const drainDeadline = Date.now() + DRAIN_TIMEOUT_MS;
  while (received() < expected && Date.now() < drainDeadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const elapsedMs = performance.now() - started;
  const processes = monitor.stop();
  for (const subscriber of subscribers) subscriber.request.destroy();

  const latencies: number[] = [];
  let beforeAck = 0;
  for (const subscriber of subscribers) {
    for (const [missionId, at] of subscriber.receivedAt) {
      const acked = ackedAt.get(missionId);
      if (acked === undefined) continue;
      // A follower may apply (and send) before the leader's answer reaches us.
      if (at < acked) beforeAck++;
      latencies.push(Math.max(0, at - acked));
    }
  }
  const got = latencies.length;
  return {
    succeeded: got,
    failed: expected - got + failedWrites,
    durationS: Math.round(elapsedMs / 10) / 100,
    throughputOpsPerS: Math.round(got / Math.max(0.001, elapsedMs / 1000)),
    latency: summarizeLatencies(latencies),
    processes,
    figures: {
      eventSubscribers: subscribers.length,
      eventSubscribersRefused: connectFailures,
      eventSubscribersCutOff: subscribers.filter((s) => s.closedEarly).length,
      eventWritesAcknowledged: ackedAt.size,
      eventsMissing: expected - got,
      eventsBeforeAck: beforeAck,
      eventLatencyMaxMs: summarizeLatencies(latencies).maxMs,
    },
    errorSamples: [...errors].slice(0, 5),
    notes: [
      `latency per (write, subscriber) pair: ${subscribers.length} subscribers over ${urls.length} members, ${ackedAt.size} writes ${WRITE_GAP_MS} ms apart; an event received before its write's answer counts as 0 ms`,
      'the subscribers run in the benchmark process: its own event loop is part of the latency',
    ],
  };
}

function countAcked(receivedAt: ReadonlyMap<string, number>, acked: ReadonlyMap<string, number>) {
  let count = 0;
  for (const missionId of receivedAt.keys()) if (acked.has(missionId)) count++;
  return count;
}

/** Opens one SSE stream; resolves once the member answered 200. */
function subscribe(url: string, prefix: string): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${url}/events?types=mission_created`, {
      headers: { accept: 'text/event-stream' },
      agent: false,
    });
    request.setTimeout(REQUEST_TIMEOUT_MS, () => request.destroy(new Error('connect timeout')));
    request.on('error', reject);
    request.on('response', (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new Error(`subscribe ${response.statusCode}`));
        return;
      }
      request.setTimeout(0);
      const subscriber: Subscriber = { request, receivedAt: new Map(), closedEarly: false };
      let pending = '';
      const marker = `"mission_id":"${prefix}-`;
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        const now = performance.now();
        pending += chunk;
        const end = pending.lastIndexOf('\n');
        if (end < 0) return;
        const complete = pending.slice(0, end);
        pending = pending.slice(end + 1);
        // Only `data:` lines carry the mission id; finding it is enough (no full JSON parse).
        for (let at = complete.indexOf(marker); at >= 0; at = complete.indexOf(marker, at + 1)) {
          const start = at + '"mission_id":"'.length;
          const missionId = complete.slice(start, complete.indexOf('"', start));
          if (!subscriber.receivedAt.has(missionId)) subscriber.receivedAt.set(missionId, now);
        }
      });
      response.on('close', () => {
        if (!request.destroyed) subscriber.closedEarly = true;
      });
      resolve(subscriber);
    });
  });
}

function missionBody(missionId: string, uavId: string): Record<string, unknown> {
  return {
    mission_id: missionId,
    name: 'fan-out',
    mission_type: 'SINGLE_UAV',
    uav_list: [uavId],
    payload: {
      search_area: [
        { lat: 47.0, lon: 8.0 },
        { lat: 47.0, lon: 8.01 },
        { lat: 47.01, lon: 8.01 },
      ],
      search_params: { pattern: 'LAWN_MOWER' },
    },
    priority: 0,
  };
}
