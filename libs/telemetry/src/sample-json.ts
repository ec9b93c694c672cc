import type { TelemetrySample } from './telemetry-sample';

/** A sample as it travels in JSON: `timestamp_ns` as a decimal string (it outgrows a double). */
export type TelemetrySampleJson = Omit<TelemetrySample, 'timestamp_ns'> & {
  readonly timestamp_ns: string;
};

/** The JSON form of a sample (HTTP answers, peer batches, live feeds). */
export function sampleToJson(sample: TelemetrySample): TelemetrySampleJson {
  return { ...sample, timestamp_ns: sample.timestamp_ns.toString() };
}
