import type { TelemetrySample } from './telemetry-sample';

/**
 * The binary form of a batch of samples, for peers: about 120 bytes a sample where JSON takes about
 * 330, and no parsing of text. The peer link's throughput is bounded by HTTP/2 flow control (a
 * 64 KiB window per round trip of the receiver's event loop), so bytes are what counts.
 *
 * Layout, little-endian: version (u8 = 1), count (u32), then per sample: uav_id length (u8) and
 * its UTF-8 bytes, timestamp_ns (u64), presence flags (u8, see FLAG_*), lat, lon, alt (f64), then
 * the optional parts present, in flag order: roll, pitch, yaw (f64); vx, vy, vz (f64); battery
 * percent (f64); voltage_mv (f64); fix_type, num_sat (u8); link_quality (f64); flight_mode length
 * (u8) and its UTF-8 bytes.
 */

const VERSION = 1;
const FLAG_ATTITUDE = 1;
const FLAG_VELOCITY = 2;
const FLAG_BATTERY = 4;
const FLAG_VOLTAGE = 8;
const FLAG_GPS = 16;
const FLAG_LINK = 32;
const FLAG_MODE = 64;
/** The fixed part of a sample: lengths, timestamp, flags and position. */
const FIXED_BYTES = 1 + 8 + 1 + 24;
/** The largest optional part: attitude, velocity, battery, voltage, gps, link, mode length. */
const OPTIONAL_MAX_BYTES = 24 + 24 + 8 + 8 + 2 + 8 + 1;

/** A batch that cannot be decoded. */
export class SampleBatchCodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SampleBatchCodecError';
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Encodes valid samples (as validation returns them). Ids and flight modes longer than 255 bytes
 * cannot be encoded (validation keeps them far shorter); such a sample throws a RangeError.
 */
export function encodeSampleBatch(samples: readonly TelemetrySample[]): Uint8Array {
  const texts = samples.map((s) => ({
    id: encoder.encode(s.uav_id),
    mode: s.flight_mode === undefined ? undefined : encoder.encode(s.flight_mode),
  }));
  let size = 1 + 4;
  for (const { id, mode } of texts)
    size += FIXED_BYTES + id.length + OPTIONAL_MAX_BYTES + (mode?.length ?? 0);
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  let at = 0;
  view.setUint8(at, VERSION);
  view.setUint32(at + 1, samples.length, true);
  at += 5;
  const f64 = (value: number): void => {
    view.setFloat64(at, value, true);
    at += 8;
  };
  const text = (value: Uint8Array): void => {
    if (value.length > 255) throw new RangeError('a text of a sample is over 255 bytes');
    view.setUint8(at, value.length);
    bytes.set(value, at + 1);
    at += 1 + value.length;
  };
  samples.forEach((sample, i) => {
    const { id, mode } = texts[i];
    text(id);
    view.setBigUint64(at, sample.timestamp_ns, true);
    at += 8;
    const flags =
      (sample.attitude ? FLAG_ATTITUDE : 0) |
      (sample.velocity ? FLAG_VELOCITY : 0) |
      (sample.battery ? FLAG_BATTERY : 0) |
      (sample.battery?.voltage_mv !== undefined ? FLAG_VOLTAGE : 0) |
      (sample.gps ? FLAG_GPS : 0) |
      (sample.link_quality !== undefined ? FLAG_LINK : 0) |
      (mode !== undefined ? FLAG_MODE : 0);
    view.setUint8(at++, flags);
    f64(sample.position.lat);
    f64(sample.position.lon);
    f64(sample.position.alt);
    if (sample.attitude) {
      f64(sample.attitude.roll);
      f64(sample.attitude.pitch);
      f64(sample.attitude.yaw);
    }
    if (sample.velocity) {
      f64(sample.velocity.vx);
      f64(sample.velocity.vy);
      f64(sample.velocity.vz);
    }
    if (sample.battery) {
      f64(sample.battery.percent);
      if (sample.battery.voltage_mv !== undefined) f64(sample.battery.voltage_mv);
    }
    if (sample.gps) {
      view.setUint8(at, sample.gps.fix_type);
      view.setUint8(at + 1, sample.gps.num_sat);
      at += 2;
    }
    if (sample.link_quality !== undefined) f64(sample.link_quality);
    if (mode !== undefined) text(mode);
  });
  return bytes.subarray(0, at);
}

/**
 * Decodes a batch into samples. They come from another node and are still to be validated like
 * any other input (this only reads the layout). Throws {@link SampleBatchCodecError} on bytes that
 * do not follow it.
 */
export function decodeSampleBatch(bytes: Uint8Array): TelemetrySample[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const need = (n: number): void => {
    if (at + n > bytes.length) throw new SampleBatchCodecError('telemetry batch is truncated');
  };
  const f64 = (): number => {
    need(8);
    const value = view.getFloat64(at, true);
    at += 8;
    return value;
  };
  const text = (): string => {
    need(1);
    const length = view.getUint8(at);
    need(1 + length);
    let value: string;
    try {
      value = decoder.decode(bytes.subarray(at + 1, at + 1 + length));
    } catch {
      throw new SampleBatchCodecError('telemetry batch holds text that is not UTF-8');
    }
    at += 1 + length;
    return value;
  };
  need(5);
  if (view.getUint8(0) !== VERSION) {
    throw new SampleBatchCodecError(`unknown telemetry batch version ${view.getUint8(0)}`);
  }
  const count = view.getUint32(1, true);
  at = 5;
  // Each sample takes at least its fixed part: a count beyond that is a lie.
  if (count * FIXED_BYTES > bytes.length) {
    throw new SampleBatchCodecError('telemetry batch count exceeds its length');
  }
  const samples: TelemetrySample[] = [];
  for (let i = 0; i < count; i++) {
    const uav_id = text();
    need(9);
    const timestamp_ns = view.getBigUint64(at, true);
    const flags = view.getUint8(at + 8);
    at += 9;
    const sample: { -readonly [K in keyof TelemetrySample]: TelemetrySample[K] } = {
      uav_id,
      timestamp_ns,
      position: { lat: f64(), lon: f64(), alt: f64() },
    };
    if (flags & FLAG_ATTITUDE) sample.attitude = { roll: f64(), pitch: f64(), yaw: f64() };
    if (flags & FLAG_VELOCITY) sample.velocity = { vx: f64(), vy: f64(), vz: f64() };
    if (flags & FLAG_BATTERY) {
      const percent = f64();
      sample.battery = flags & FLAG_VOLTAGE ? { percent, voltage_mv: f64() } : { percent };
    }
    if (flags & FLAG_GPS) {
      need(2);
      sample.gps = { fix_type: view.getUint8(at), num_sat: view.getUint8(at + 1) };
      at += 2;
    }
    if (flags & FLAG_LINK) sample.link_quality = f64();
    if (flags & FLAG_MODE) sample.flight_mode = text();
    samples.push(sample);
  }
  if (at !== bytes.length) throw new SampleBatchCodecError('telemetry batch has trailing bytes');
  return samples;
}
