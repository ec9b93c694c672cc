import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSampleBatch, encodeSampleBatch, SampleBatchCodecError } from './sample-batch-codec';
import type { TelemetrySample } from './telemetry-sample';

const FULL: TelemetrySample = {
  uav_id: 'uav-7.a:b_c',
  timestamp_ns: 18_446_744_073_709_551_615n,
  position: { lat: -89.999999, lon: 179.5, alt: -12.25 },
  attitude: { roll: 0.1, pitch: -0.2, yaw: 3.14159 },
  velocity: { vx: 1e-9, vy: -0, vz: 42 },
  battery: { percent: 87.5, voltage_mv: 15_800 },
  gps: { fix_type: 9, num_sat: 255 },
  link_quality: 0.93,
  flight_mode: 'AUTO ✈',
};

const MINIMAL: TelemetrySample = {
  uav_id: 'u',
  timestamp_ns: 1n,
  position: { lat: 0, lon: 0, alt: 0 },
};

describe('binary sample batch codec', () => {
  it('round-trips every field, optional parts present or absent', () => {
    const batch = [FULL, MINIMAL, { ...MINIMAL, battery: { percent: 3 }, link_quality: 0 }];
    assert.deepEqual(decodeSampleBatch(encodeSampleBatch(batch)), batch);
  });

  it('round-trips an empty batch', () => {
    assert.deepEqual(decodeSampleBatch(encodeSampleBatch([])), []);
  });

  it('is much smaller than JSON', () => {
    const batch = Array.from({ length: 100 }, (_, i) => ({ ...FULL, timestamp_ns: BigInt(i) }));
    const json = JSON.stringify(batch.map((s) => ({ ...s, timestamp_ns: String(s.timestamp_ns) })));
    const binary = encodeSampleBatch(batch);
    assert.ok(binary.length * 2 < json.length, `${binary.length} bytes vs ${json.length} in JSON`);
  });

  it('refuses bytes that do not follow the layout', () => {
    const good = encodeSampleBatch([FULL]);
    const cases: Array<[string, Uint8Array]> = [
      ['empty', new Uint8Array(0)],
      ['truncated', good.subarray(0, good.length - 3)],
      ['trailing bytes', Uint8Array.from([...good, 0])],
      ['another version', Uint8Array.from([2, ...good.subarray(1)])],
      ['a count beyond the length', Uint8Array.from([1, 255, 255, 255, 255])],
    ];
    for (const [name, bytes] of cases) {
      assert.throws(() => decodeSampleBatch(bytes), SampleBatchCodecError, name);
    }
  });
});
