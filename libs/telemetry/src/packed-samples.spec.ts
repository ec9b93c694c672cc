import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { internFlightMode, PackedSamples } from './packed-samples';
import { SampleWindow } from './sample-window';
import type { TelemetrySample } from './telemetry-sample';

const FULL: TelemetrySample = {
  uav_id: 'uav-7',
  timestamp_ns: 9_223_372_036_854_775_807n,
  position: { lat: -89.999999, lon: 179.5, alt: -0 },
  attitude: { roll: 0.1, pitch: -0.2, yaw: 3.14159 },
  velocity: { vx: 1e-300, vy: -1e300, vz: 0 },
  battery: { percent: 99.5, voltage_mv: 16_800 },
  gps: { fix_type: 3, num_sat: 255 },
  link_quality: 0.75,
  flight_mode: 'AUTO.MISSION',
};

const BARE: TelemetrySample = {
  uav_id: 'uav-7',
  timestamp_ns: 0n,
  position: { lat: 1, lon: 2, alt: 3 },
};

describe('packed samples', () => {
  it('gives back every field of a sample, bit for bit, with the same keys in the same order', () => {
    const packed = new PackedSamples(2);
    packed.write(0, FULL);
    packed.write(1, BARE);
    const full = packed.read(0, 'uav-7');
    assert.deepStrictEqual(full, FULL);
    assert.ok(Object.is(full.position.alt, -0), 'a negative zero stays negative');
    assert.equal(
      JSON.stringify({ ...full, timestamp_ns: 1 }),
      JSON.stringify({ ...FULL, timestamp_ns: 1 }),
    );
    assert.deepStrictEqual(packed.read(1, 'uav-7'), BARE);
    assert.equal(packed.timestampAt(0), FULL.timestamp_ns);
  });

  it('keeps optional parts absent, not undefined, including a battery without its voltage', () => {
    const packed = new PackedSamples(1);
    const sample: TelemetrySample = { ...BARE, battery: { percent: 40 } };
    packed.write(0, sample);
    const read = packed.read(0, 'uav-7');
    assert.deepStrictEqual(read, sample);
    assert.equal('voltage_mv' in (read.battery ?? {}), false);
    assert.equal('flight_mode' in read, false);
  });

  it('overwrites a slot entirely: nothing of the sample it held shows through', () => {
    const packed = new PackedSamples(1);
    packed.write(0, FULL);
    packed.write(0, BARE);
    assert.deepStrictEqual(packed.read(0, 'uav-7'), BARE);
  });

  it('keeps what it held when it grows, and copies a slot with its flight mode', () => {
    const packed = new PackedSamples(1);
    packed.write(0, FULL);
    packed.grow(3);
    assert.equal(packed.slots, 3);
    assert.deepStrictEqual(packed.read(0, 'uav-7'), FULL);
    packed.copy(0, 2);
    assert.deepStrictEqual(packed.read(2, 'uav-7'), FULL);
    packed.write(0, BARE);
    assert.deepStrictEqual(packed.read(2, 'uav-7'), FULL);
  });

  it('shares one string per flight mode', () => {
    const a = ['AU', 'TO'].join('');
    const b = ['A', 'UTO'].join('');
    assert.equal(internFlightMode(a), internFlightMode(b));
    assert.ok(Object.is(internFlightMode(b), internFlightMode(a)));
  });
});

describe('sample window, packed', () => {
  it('moves flight modes with their samples when a late sample shifts the window', () => {
    const window = new SampleWindow('uav-7', 3);
    const at = (ts: number, mode?: string): TelemetrySample =>
      mode === undefined
        ? { ...BARE, timestamp_ns: BigInt(ts) }
        : { ...BARE, timestamp_ns: BigInt(ts), flight_mode: mode };
    window.insert(at(10, 'TAKEOFF'));
    window.insert(at(30));
    window.insert(at(40, 'LAND'));
    window.insert(at(20, 'HOLD'));
    assert.deepStrictEqual(window.all(), [at(20, 'HOLD'), at(30), at(40, 'LAND')]);
    window.insert(at(50));
    window.insert(at(35, 'RTL'));
    assert.deepStrictEqual(window.all(), [at(35, 'RTL'), at(40, 'LAND'), at(50)]);
    assert.deepStrictEqual(window.since(35n), [at(40, 'LAND'), at(50)]);
    assert.deepStrictEqual(window.newest(), at(50));
  });
});
