import type { TelemetrySample } from './telemetry-sample';

/**
 * Samples of one UAV packed in slots of one `ArrayBuffer`, 128 bytes a slot, outside the V8 heap.
 *
 * Why: a node keeps up to `TELEMETRY_MAX_SAMPLES` samples (a million by default). As objects
 * (a sample and its nested objects) they took about half a kilobyte each of the V8 heap, so the
 * telemetry bound alone decided how large a heap a node needed, and no default heap limit could
 * hold. Packed, a sample is 128 bytes of a buffer the collector neither scans nor moves; a sample
 * becomes an object again only when it is read.
 *
 * A slot is 16 numbers: the timestamp (as a 64-bit integer), which optional parts are present,
 * then every number of the sample at a fixed place. The flight mode, the one string, is kept
 * beside the slots (see {@link internFlightMode}).
 */
export const SLOT_NUMBERS = 16;

const TIMESTAMP = 0;
const PRESENT = 1;
const LAT = 2;
const LON = 3;
const ALT = 4;
const ROLL = 5;
const PITCH = 6;
const YAW = 7;
const VX = 8;
const VY = 9;
const VZ = 10;
const PERCENT = 11;
const VOLTAGE = 12;
const FIX_TYPE = 13;
const NUM_SAT = 14;
const LINK = 15;

const HAS_ATTITUDE = 1;
const HAS_VELOCITY = 2;
const HAS_BATTERY = 4;
const HAS_VOLTAGE = 8;
const HAS_GPS = 16;
const HAS_LINK = 32;

/** Flight modes kept as one shared string each; beyond this many distinct ones, no more sharing. */
const MAX_INTERNED_FLIGHT_MODES = 1024;
const flightModes = new Map<string, string>();

/**
 * The one copy of a flight mode string: every sample of a mode then points at the same string,
 * where parsing gives each sample a copy of its own. Bounded, so that UAVs sending ever new modes
 * cannot grow it: past the bound a mode is kept as it came.
 */
export function internFlightMode(mode: string): string {
  const known = flightModes.get(mode);
  if (known !== undefined) return known;
  if (flightModes.size < MAX_INTERNED_FLIGHT_MODES) flightModes.set(mode, mode);
  return mode;
}

/** Slots in one buffer, with the flight modes beside them. */
export class PackedSamples {
  private numbers: Float64Array;
  private timestamps: BigInt64Array;
  /** Allocated at the first sample with a flight mode: most UAVs may never send one. */
  private modes: Array<string | undefined> | undefined;

  constructor(slots: number) {
    this.numbers = new Float64Array(slots * SLOT_NUMBERS);
    this.timestamps = new BigInt64Array(this.numbers.buffer);
  }

  get slots(): number {
    return this.numbers.length / SLOT_NUMBERS;
  }

  /** More slots, keeping what the first `slots` hold in place. */
  grow(slots: number): void {
    const numbers = new Float64Array(slots * SLOT_NUMBERS);
    // Bytes, not numbers: a timestamp's bits read as a double may be a NaN, which need not survive.
    new Uint8Array(numbers.buffer).set(new Uint8Array(this.numbers.buffer));
    this.numbers = numbers;
    this.timestamps = new BigInt64Array(numbers.buffer);
  }

  timestampAt(slot: number): bigint {
    return this.timestamps[slot * SLOT_NUMBERS + TIMESTAMP];
  }

  write(slot: number, sample: TelemetrySample): void {
    const n = this.numbers;
    const base = slot * SLOT_NUMBERS;
    let present = 0;
    this.timestamps[base + TIMESTAMP] = sample.timestamp_ns;
    n[base + LAT] = sample.position.lat;
    n[base + LON] = sample.position.lon;
    n[base + ALT] = sample.position.alt;
    if (sample.attitude !== undefined) {
      present |= HAS_ATTITUDE;
      n[base + ROLL] = sample.attitude.roll;
      n[base + PITCH] = sample.attitude.pitch;
      n[base + YAW] = sample.attitude.yaw;
    }
    if (sample.velocity !== undefined) {
      present |= HAS_VELOCITY;
      n[base + VX] = sample.velocity.vx;
      n[base + VY] = sample.velocity.vy;
      n[base + VZ] = sample.velocity.vz;
    }
    if (sample.battery !== undefined) {
      present |= HAS_BATTERY;
      n[base + PERCENT] = sample.battery.percent;
      if (sample.battery.voltage_mv !== undefined) {
        present |= HAS_VOLTAGE;
        n[base + VOLTAGE] = sample.battery.voltage_mv;
      }
    }
    if (sample.gps !== undefined) {
      present |= HAS_GPS;
      n[base + FIX_TYPE] = sample.gps.fix_type;
      n[base + NUM_SAT] = sample.gps.num_sat;
    }
    if (sample.link_quality !== undefined) {
      present |= HAS_LINK;
      n[base + LINK] = sample.link_quality;
    }
    n[base + PRESENT] = present;
    if (sample.flight_mode !== undefined) {
      this.modes ??= [];
      this.modes[slot] = internFlightMode(sample.flight_mode);
    } else if (this.modes !== undefined) {
      this.modes[slot] = undefined;
    }
  }

  /** The sample in a slot, as the object it was written from (same fields, same key order). */
  read(slot: number, uavId: string): TelemetrySample {
    const n = this.numbers;
    const base = slot * SLOT_NUMBERS;
    const present = n[base + PRESENT];
    const sample: { -readonly [K in keyof TelemetrySample]: TelemetrySample[K] } = {
      uav_id: uavId,
      timestamp_ns: this.timestamps[base + TIMESTAMP],
      position: { lat: n[base + LAT], lon: n[base + LON], alt: n[base + ALT] },
    };
    if (present & HAS_ATTITUDE) {
      sample.attitude = { roll: n[base + ROLL], pitch: n[base + PITCH], yaw: n[base + YAW] };
    }
    if (present & HAS_VELOCITY) {
      sample.velocity = { vx: n[base + VX], vy: n[base + VY], vz: n[base + VZ] };
    }
    if (present & HAS_BATTERY) {
      sample.battery =
        present & HAS_VOLTAGE
          ? { percent: n[base + PERCENT], voltage_mv: n[base + VOLTAGE] }
          : { percent: n[base + PERCENT] };
    }
    if (present & HAS_GPS) {
      sample.gps = { fix_type: n[base + FIX_TYPE], num_sat: n[base + NUM_SAT] };
    }
    if (present & HAS_LINK) sample.link_quality = n[base + LINK];
    const mode = this.modes?.[slot];
    if (mode !== undefined) sample.flight_mode = mode;
    return sample;
  }

  /** Copies slot `from` over slot `to` (byte for byte: `copyWithin` moves bytes). */
  copy(from: number, to: number): void {
    const start = from * SLOT_NUMBERS;
    this.numbers.copyWithin(to * SLOT_NUMBERS, start, start + SLOT_NUMBERS);
    if (this.modes !== undefined) this.modes[to] = this.modes[from];
  }
}
