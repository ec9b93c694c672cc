import type { TelemetrySample } from '@falconmind/telemetry';

/**
 * UAVs heard from at most between two heartbeat rounds: the telemetry store's own bound, so that
 * rounds held up by a slow database cannot grow memory with every new id meanwhile.
 */
export const MAX_PENDING_HEARTBEAT_UAVS = 100_000;

/**
 * The newest sample per UAV since the last heartbeat round, for at most `capacity` UAVs. A UAV
 * already pending always takes a newer sample; a new one beyond the capacity is left out (and
 * counted): its next sample after the round is taken, and a UAV only needs one per offline timeout.
 */
export class PendingHeartbeats {
  private samples = new Map<string, TelemetrySample>();
  /** Samples left out because `capacity` UAVs were already pending, since start. */
  overflowed = 0;

  constructor(readonly capacity: number = MAX_PENDING_HEARTBEAT_UAVS) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`pending heartbeats hold at least one UAV, got ${capacity}`);
    }
  }

  get size(): number {
    return this.samples.size;
  }

  note(sample: TelemetrySample): void {
    const kept = this.samples.get(sample.uav_id);
    if (kept === undefined && this.samples.size >= this.capacity) {
      this.overflowed++;
      return;
    }
    if (kept === undefined || sample.timestamp_ns > kept.timestamp_ns) {
      this.samples.set(sample.uav_id, sample);
    }
  }

  /** Hands over what is pending and starts afresh. */
  take(): Map<string, TelemetrySample> {
    const taken = this.samples;
    this.samples = new Map();
    return taken;
  }
}
