import { connect, MqttClient } from 'mqtt';
import { summarizeLatencies } from '../latency-summary';
import { BENCH_MQTT_TOPIC_ROOT, BENCH_MQTT_URL } from '../systems/bench-mqtt';
import { startUsageMonitor } from './measure-load';
import {
  highestTermOf,
  notApplicableToEtcd,
  scrapeMetrics,
  seriesDelta,
  seriesDeltaByPrefix,
} from './node-probes';
import { Workload, WorkloadContext } from './workload-context';
import { SystemMeasurement } from './workload-result';

const DURATION_MS = 15_000;
/**
 * Samples offered per second per member: the target each node should ingest is 10,000/s.
 * BENCH_MQTT_RATE_PER_MEMBER overrides it, to look for the ceiling.
 */
const OFFERED_PER_MEMBER_PER_S = Number(process.env.BENCH_MQTT_RATE_PER_MEMBER) || 12_000;
/** Connections the samples are published over (as many UAVs would, on a few). */
const PUBLISHERS = 4;
const TICK_MS = 10;
const TERM_POLL_MS = 250;
const ACCEPTED_SERIES = 'falconmind_uav_link_telemetry_samples_total{outcome="accepted"}';
const RECEIVED_SERIES = 'falconmind_uav_link_messages_total{channel="telemetry"}';
const BAD_SERIES_PREFIX = 'falconmind_uav_link_bad_payloads_total{channel="telemetry"';

/**
 * Telemetry over MQTT: UAV samples, one per message at QoS 0 as a UAV sends them, published to
 * `<root>/{uav}/telemetry` for the registered UAVs at a fixed offered rate; the nodes take them
 * through their shared subscription (each sample reaches one node). Samples/s each node ingested
 * (from its own counters), and elections (term changes) meanwhile. FalconMind only.
 */
export const telemetryMqtt: Workload = {
  title: 'Telemetry over MQTT',
  description: `MQTT publishers offer ${OFFERED_PER_MEMBER_PER_S} telemetry samples/s per member (QoS 0, one sample per message) for ${DURATION_MS / 1000} s; samples/s each FalconMind node ingested, and elections meanwhile. FalconMind only.`,
  async run(context) {
    const target = context.system.target();
    if (target.system !== 'falconmind') return notApplicableToEtcd('MQTT telemetry');
    return measure(context, target.urls);
  },
};

async function measure(
  context: WorkloadContext,
  urls: readonly string[],
): Promise<SystemMeasurement> {
  const uavIds = context.uavIds.length > 0 ? context.uavIds : ['bench-uav-0'];
  const publishers = await Promise.all(
    Array.from({ length: PUBLISHERS }, (_, i) =>
      connect(BENCH_MQTT_URL, {
        protocolVersion: 5,
        clientId: `bench-telemetry-${process.pid}-${i}`,
      }),
    ).map(
      (client) =>
        new Promise<MqttClient>((resolve, reject) => {
          client.once('connect', () => resolve(client));
          client.once('error', reject);
        }),
    ),
  );
  try {
    const termAtStart = await highestTermOf(urls);
    let highestTerm = termAtStart;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        highestTerm = Math.max(highestTerm, await highestTermOf(urls));
        await new Promise((resolve) => setTimeout(resolve, TERM_POLL_MS));
      }
    })();
    const before = await Promise.all(urls.map(scrapeMetrics));
    const monitor = await startUsageMonitor(context);

    const offeredPerS = OFFERED_PER_MEMBER_PER_S * urls.length;
    const started = Date.now();
    const published = await publishFor(publishers, uavIds, offeredPerS, started + DURATION_MS);
    const publishedMs = Date.now() - started;
    // Let the nodes drain what the broker already passed on.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const processes = monitor.stop();
    const after = await Promise.all(urls.map(scrapeMetrics));
    polling = false;
    await poller;
    highestTerm = Math.max(highestTerm, await highestTermOf(urls));

    const seconds = publishedMs / 1000;
    const perNode = urls.map((_, i) => seriesDelta(before[i], after[i], ACCEPTED_SERIES) / seconds);
    const received = urls.reduce(
      (sum, _, i) => sum + seriesDelta(before[i], after[i], RECEIVED_SERIES),
      0,
    );
    const bad = urls.reduce(
      (sum, _, i) => sum + seriesDeltaByPrefix(before[i], after[i], BAD_SERIES_PREFIX),
      0,
    );
    const ingestedPerS = perNode.reduce((sum, rate) => sum + rate, 0);
    return {
      succeeded: Math.round(ingestedPerS * seconds),
      failed: Math.max(0, published - Math.round(ingestedPerS * seconds)),
      durationS: Math.round(seconds * 100) / 100,
      throughputOpsPerS: Math.round(ingestedPerS),
      latency: summarizeLatencies([]),
      processes,
      figures: {
        mqttTelemetryOfferedPerS: Math.round(published / seconds),
        mqttTelemetryIngestedPerS: Math.round(ingestedPerS),
        mqttTelemetryPerNodeMinPerS: Math.round(Math.min(...perNode)),
        mqttTelemetryPerNodeMaxPerS: Math.round(Math.max(...perNode)),
        mqttTelemetryReceived: received,
        mqttTelemetryBadPayloads: bad,
        mqttTelemetryElections: highestTerm - termAtStart,
      },
      errorSamples: [],
      notes: [
        'throughput is samples ingested per second, all nodes together; per node in the figures',
        'QoS 0: samples the broker or a node could not keep up with are dropped, not retried (offered - ingested)',
        'no latency: telemetry is fire-and-forget',
      ],
    };
  } finally {
    await Promise.all(publishers.map((client) => client.endAsync()));
  }
}

/** Publishes at `perS` samples/s, spread over the publishers and UAVs, until `deadline`. */
async function publishFor(
  publishers: readonly MqttClient[],
  uavIds: readonly string[],
  perS: number,
  deadline: number,
): Promise<number> {
  const started = Date.now();
  let sent = 0;
  while (Date.now() < deadline) {
    const due = Math.floor(((Date.now() - started) / 1000) * perS);
    for (; sent < due; sent++) {
      const uavId = uavIds[sent % uavIds.length];
      const client = publishers[sent % publishers.length];
      client.publish(`${BENCH_MQTT_TOPIC_ROOT}/${uavId}/telemetry`, sample(uavId, sent), {
        qos: 0,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  return sent;
}

function sample(uavId: string, n: number): string {
  const ns = BigInt(Date.now()) * 1_000_000n + BigInt(n % 1_000_000);
  return (
    `{"uav_id":"${uavId}","timestamp_ns":"${ns}","position":{"lat":${45 + (n % 1000) / 10_000},"lon":11.5,"alt":120.5},` +
    `"attitude":{"roll":0.01,"pitch":-0.02,"yaw":1.57},"velocity":{"vx":4.2,"vy":0.1,"vz":-0.3},` +
    `"battery":{"percent":81.5,"voltage_mv":15600},"gps":{"fix_type":3,"num_sat":12},` +
    `"link_quality":0.93,"flight_mode":"AUTO"}`
  );
}
