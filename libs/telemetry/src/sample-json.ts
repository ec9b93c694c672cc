import type { TelemetrySample } from './telemetry-sample';

/** A sample as it travels in JSON: `timestamp_ns` as a decimal string (it outgrows a double). */
export type TelemetrySampleJson = Omit<TelemetrySample, 'timestamp_ns'> & {
  readonly timestamp_ns: string;
};

/** The JSON form of a sample (HTTP answers, peer batches, live feeds). */
export function sampleToJson(sample: TelemetrySample): TelemetrySampleJson {
  return { ...sample, timestamp_ns: sample.timestamp_ns.toString() };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** A batch of samples as bytes, for peers: the JSON array of their JSON forms. */
export function encodeSampleBatch(samples: readonly TelemetrySample[]): Uint8Array {
  return encoder.encode(JSON.stringify(samples.map(sampleToJson)));
}

/**
 * The raw samples of a peer's batch, still to be validated like any other input. Throws on bytes
 * that are not a JSON array.
 */
export function decodeSampleBatch(bytes: Uint8Array): unknown[] {
  const parsed: unknown = JSON.parse(decoder.decode(bytes));
  if (!Array.isArray(parsed)) throw new TypeError('a telemetry batch must be a JSON array');
  return parsed;
}
