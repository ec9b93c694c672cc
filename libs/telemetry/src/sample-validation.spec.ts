import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseTimestampNs, validateBatch, validateSample } from './sample-validation';

const NOW_NS = 1_800_000_000_000_000_000n;

function sample(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    uav_id: 'uav-1',
    timestamp_ns: '1799999999000000000',
    position: { lat: 48.1, lon: 11.5, alt: 120 },
    attitude: { roll: 0.1, pitch: -0.2, yaw: 3.1 },
    velocity: { vx: 1, vy: 2, vz: -0.5 },
    battery: { percent: 87.5, voltage_mv: 15_800 },
    gps: { fix_type: 3, num_sat: 12 },
    link_quality: 0.93,
    flight_mode: 'AUTO',
    ...overrides,
  };
}

function refusal(raw: unknown): { field: string; reason: string } {
  const check = validateSample(raw, { nowNs: NOW_NS });
  assert.equal(check.ok, false, `expected ${JSON.stringify(raw)} to be refused`);
  return check.ok ? { field: '', reason: '' } : { field: check.field, reason: check.reason };
}

describe('telemetry sample validation', () => {
  it('accepts the original sample shape and keeps timestamp_ns as a bigint', () => {
    const check = validateSample(sample(), { nowNs: NOW_NS });
    assert.ok(check.ok);
    assert.equal(check.sample.timestamp_ns, 1_799_999_999_000_000_000n);
    assert.deepEqual(check.sample.position, { lat: 48.1, lon: 11.5, alt: 120 });
    assert.deepEqual(check.sample.battery, { percent: 87.5, voltage_mv: 15_800 });
    assert.equal(check.sample.flight_mode, 'AUTO');
  });

  it('needs only uav_id, timestamp_ns and position', () => {
    const check = validateSample(
      { uav_id: 'u', timestamp_ns: 5, position: { lat: 0, lon: 0, alt: 0 } },
      { nowNs: NOW_NS },
    );
    assert.ok(check.ok);
    assert.deepEqual(Object.keys(check.sample).sort(), ['position', 'timestamp_ns', 'uav_id']);
  });

  it('reads timestamp_ns from a decimal string or a safe integer, nothing else', () => {
    assert.equal(parseTimestampNs('1700000000123456789'), 1_700_000_000_123_456_789n);
    assert.equal(parseTimestampNs(1_700_000_000_000), 1_700_000_000_000n);
    assert.equal(parseTimestampNs(2 ** 60), undefined);
    assert.equal(parseTimestampNs('-1'), undefined);
    assert.equal(parseTimestampNs('1e9'), undefined);
    assert.equal(parseTimestampNs(1.5), undefined);
    assert.equal(parseTimestampNs(' 12'), undefined);
  });

  const cases: Array<[string, unknown, string, RegExp]> = [
    ['not an object', 42, '', /JSON object/],
    ['an array', [], '', /JSON object/],
    ['no uav_id', sample({ uav_id: undefined }), 'uav_id', /required/],
    ['a bad uav_id', sample({ uav_id: '-x y' }), 'uav_id', /letters, digits/],
    ['no timestamp', sample({ timestamp_ns: undefined }), 'timestamp_ns', /required/],
    ['a float timestamp', sample({ timestamp_ns: 1.5 }), 'timestamp_ns', /nanoseconds/],
    ['a zero timestamp', sample({ timestamp_ns: '0' }), 'timestamp_ns', /positive/],
    ['an unsafe timestamp', sample({ timestamp_ns: 2 ** 62 }), 'timestamp_ns', /safe integer/],
    [
      'a timestamp far ahead of the clock',
      sample({ timestamp_ns: (NOW_NS + 3_600_000_000_000n).toString() }),
      'timestamp_ns',
      /ahead of this node's clock/,
    ],
    ['no position', sample({ position: undefined }), 'position', /required/],
    [
      'a latitude out of range',
      sample({ position: { lat: 91, lon: 0, alt: 0 } }),
      'position.lat',
      /between -90 and 90/,
    ],
    [
      'a longitude as a string',
      sample({ position: { lat: 1, lon: '2', alt: 0 } }),
      'position.lon',
      /finite number/,
    ],
    ['no altitude', sample({ position: { lat: 1, lon: 2 } }), 'position.alt', /required/],
    [
      'an unknown position field',
      sample({ position: { lat: 1, lon: 2, alt: 3, x: 1 } }),
      'position.x',
      /not a field/,
    ],
    ['a battery over 100 %', sample({ battery: { percent: 101 } }), 'battery.percent', /0 and 100/],
    [
      'a fractional satellite count',
      sample({ gps: { fix_type: 3, num_sat: 2.5 } }),
      'gps.num_sat',
      /integer/,
    ],
    ['a link quality over 1', sample({ link_quality: 1.2 }), 'link_quality', /between 0 and 1/],
    ['an empty flight mode', sample({ flight_mode: '' }), 'flight_mode', /non-empty/],
    ['an unknown field', sample({ colour: 'red' }), 'colour', /not a field/],
    [
      'an attitude that is not an object',
      sample({ attitude: 'level' }),
      'attitude',
      /roll, pitch, yaw/,
    ],
  ];
  for (const [name, raw, field, reason] of cases) {
    it(`refuses ${name}, naming ${field || 'the sample'}`, () => {
      const problem = refusal(raw);
      assert.equal(problem.field, field);
      assert.match(problem.reason, reason);
    });
  }

  it('reports each bad sample of a batch by its position and keeps the good ones', () => {
    const check = validateBatch(
      [
        sample({ uav_id: 'a' }),
        sample({ position: { lat: 100, lon: 0, alt: 0 } }),
        sample({ uav_id: 'b' }),
        'junk',
      ],
      { nowNs: NOW_NS },
    );
    assert.deepEqual(
      check.samples.map((s) => s.uav_id),
      ['a', 'b'],
    );
    assert.deepEqual(
      check.problems.map((p) => [p.index, p.field]),
      [
        [1, 'position.lat'],
        [3, ''],
      ],
    );
  });
});
