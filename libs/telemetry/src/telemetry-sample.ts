/**
 * One telemetry sample, in the shape the original UAVs send it. Telemetry is high-rate and never
 * enters the Raft log: each node keeps the latest sample and a bounded recent window per UAV, and
 * shares new samples with its peers outside Raft.
 */
export interface TelemetrySample {
  readonly uav_id: string;
  /** When the UAV took the sample, in nanoseconds since the epoch (newest wins everywhere). */
  readonly timestamp_ns: bigint;
  readonly position: { readonly lat: number; readonly lon: number; readonly alt: number };
  readonly attitude?: { readonly roll: number; readonly pitch: number; readonly yaw: number };
  readonly velocity?: { readonly vx: number; readonly vy: number; readonly vz: number };
  readonly battery?: { readonly percent: number; readonly voltage_mv?: number };
  readonly gps?: { readonly fix_type: number; readonly num_sat: number };
  /** 0..1. */
  readonly link_quality?: number;
  readonly flight_mode?: string;
}

/** Where a sample reached this node from. */
export type TelemetrySource = 'http' | 'mqtt' | 'peer';
