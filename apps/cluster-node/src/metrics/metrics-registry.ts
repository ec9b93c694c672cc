import { Counter, CounterConfiguration, Gauge, GaugeConfiguration, Registry } from 'prom-client';

/**
 * This node's Prometheus metrics, in a registry of its own (several nodes may share a process in
 * tests, so nothing goes to prom-client's global one). Modules register their metrics here, by
 * name, once: asking again for a name returns the metric already registered.
 *
 * ```ts
 * constructor(metrics: MetricsRegistry) {
 *   this.badPayloads = metrics.counter({
 *     name: 'falconmind_mqtt_bad_payloads_total',
 *     help: 'MQTT payloads refused, by topic kind',
 *     labelNames: ['kind'],
 *   });
 * }
 * ```
 */
export class MetricsRegistry {
  readonly registry = new Registry();

  counter<L extends string>(config: CounterConfiguration<L>): Counter<L> {
    const existing = this.registry.getSingleMetric(config.name);
    if (existing instanceof Counter) return existing;
    return new Counter<L>({ ...config, registers: [this.registry] });
  }

  gauge<L extends string>(config: GaugeConfiguration<L>): Gauge<L> {
    const existing = this.registry.getSingleMetric(config.name);
    if (existing instanceof Gauge) return existing;
    return new Gauge<L>({ ...config, registers: [this.registry] });
  }

  /** Every metric in the Prometheus text format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
