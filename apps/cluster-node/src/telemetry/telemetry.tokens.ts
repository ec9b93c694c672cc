import type { TelemetrySample, TelemetrySource } from '@falconmind/telemetry';

/** A refused sample of a batch: its position in the batch, the field and the reason. */
export interface RejectedSample {
  readonly index: number;
  readonly field: string;
  readonly reason: string;
}

/** What one call to `ingest` did. Good samples are kept even when others in the batch are refused. */
export interface TelemetryIngestResult {
  readonly accepted: number;
  readonly rejected: readonly RejectedSample[];
}

/** Takes raw samples (HTTP bodies, MQTT payloads) into the node's telemetry. */
export interface TelemetryIngest {
  /** Validates each sample on its own; a bad one never drops the good ones. */
  ingest(samples: readonly unknown[], source: TelemetrySource): TelemetryIngestResult;
}

/** New samples as this node accepts them (its own ingress and its peers'), for live subscribers. */
export interface TelemetryFeed {
  /** Calls `listener` for every accepted sample; returns the function that unsubscribes. */
  subscribe(listener: (sample: TelemetrySample) => void): () => void;
}

export const TELEMETRY_INGEST = Symbol('TELEMETRY_INGEST');
export const TELEMETRY_FEED = Symbol('TELEMETRY_FEED');
