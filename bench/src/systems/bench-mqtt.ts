/**
 * The broker the benchmark's FalconMind nodes link to (MQTT_URL), as a deployment's would: the
 * `telemetry-mqtt` workload publishes UAV telemetry there. Topics live under a root of this run's
 * own, so that nothing else on the broker is heard (and this run's load reaches no one else).
 */
export const BENCH_MQTT_URL = process.env.BENCH_MQTT_URL || 'mqtt://127.0.0.1:1883';
export const BENCH_MQTT_TOPIC_ROOT = `bench-${process.pid}/uav`;

/** The node variables that link a benchmark node to the broker. */
export function benchMqttEnv(): Record<string, string> {
  return { MQTT_URL: BENCH_MQTT_URL, MQTT_TOPIC_ROOT: BENCH_MQTT_TOPIC_ROOT };
}
