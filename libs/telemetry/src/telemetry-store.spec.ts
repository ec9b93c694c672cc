import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SampleWindow } from './sample-window';
import type { TelemetrySample } from './telemetry-sample';
import { TelemetryStore } from './telemetry-store';

function at(ts: number, uavId = 'uav-1'): TelemetrySample {
  return { uav_id: uavId, timestamp_ns: BigInt(ts), position: { lat: 1, lon: 2, alt: ts } };
}

const stamps = (samples: readonly TelemetrySample[]): number[] =>
  samples.map((s) => Number(s.timestamp_ns));

describe('sample window', () => {
  it('keeps the newest samples, in order, up to its capacity', () => {
    const window = new SampleWindow('uav-1', 3);
    for (const ts of [1, 2, 3, 4, 5]) assert.equal(window.insert(at(ts)), 'newest');
    assert.deepEqual(stamps(window.all()), [3, 4, 5]);
    assert.equal(window.size, 3);
    assert.equal(window.newest()?.timestamp_ns, 5n);
  });

  it('puts a late sample in its place and never lets it replace a newer latest', () => {
    const window = new SampleWindow('uav-1', 5);
    for (const ts of [10, 30, 50]) window.insert(at(ts));
    assert.equal(window.insert(at(20)), 'inserted');
    assert.equal(window.insert(at(5)), 'inserted');
    assert.deepEqual(stamps(window.all()), [5, 10, 20, 30, 50]);
    assert.equal(window.newest()?.timestamp_ns, 50n);
  });

  it('in a full window, a late sample pushes the oldest out; one older than all is dropped', () => {
    const window = new SampleWindow('uav-1', 4);
    for (const ts of [10, 20, 30, 40, 50, 60]) window.insert(at(ts));
    assert.deepEqual(stamps(window.all()), [30, 40, 50, 60]);
    assert.equal(window.insert(at(45)), 'inserted');
    assert.deepEqual(stamps(window.all()), [40, 45, 50, 60]);
    assert.equal(window.insert(at(35)), 'too-old');
    assert.deepEqual(stamps(window.all()), [40, 45, 50, 60]);
  });

  it('ignores a sample it already holds', () => {
    const window = new SampleWindow('uav-1', 4);
    for (const ts of [10, 20, 30]) window.insert(at(ts));
    assert.equal(window.insert(at(20)), 'duplicate');
    assert.equal(window.insert(at(30)), 'duplicate');
    assert.equal(window.size, 3);
  });

  it('answers the samples after a timestamp, oldest first', () => {
    const window = new SampleWindow('uav-1', 10);
    for (const ts of [1, 2, 3, 4, 5, 6]) window.insert(at(ts));
    assert.deepEqual(stamps(window.since(3n)), [4, 5, 6]);
    assert.deepEqual(stamps(window.since(6n)), []);
    assert.deepEqual(stamps(window.since(0n)), [1, 2, 3, 4, 5, 6]);
  });

  it('stays ordered under a random mix of late, duplicate and new samples', () => {
    let seed = 7;
    const next = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
    const window = new SampleWindow('uav-1', 16);
    const seen = new Set<number>();
    for (let i = 0; i < 2_000; i++) {
      const ts = 1 + (next() % 500);
      window.insert(at(ts));
      seen.add(ts);
    }
    const kept = stamps(window.all());
    assert.equal(kept.length, 16);
    // Exactly the 16 newest distinct timestamps that were ever offered.
    assert.deepEqual(kept, [...seen].sort((a, b) => a - b).slice(-16));
  });

  it('refuses a capacity under one', () => {
    assert.throws(() => new SampleWindow('uav-1', 0), RangeError);
  });
});

describe('telemetry store', () => {
  it('keeps a latest sample and window per UAV', () => {
    const store = new TelemetryStore({ windowSize: 2 });
    store.record(at(1, 'a'));
    store.record(at(2, 'a'));
    store.record(at(3, 'a'));
    store.record(at(9, 'b'));
    assert.equal(store.latest('a')?.timestamp_ns, 3n);
    assert.equal(store.latest('b')?.timestamp_ns, 9n);
    assert.deepEqual(stamps(store.window('a')), [2, 3]);
    assert.deepEqual(stamps(store.since('a', 2n)), [3]);
    assert.equal(store.latest('nobody'), undefined);
    assert.deepEqual(store.since('nobody', 0n), []);
  });

  it('newest timestamp wins whatever the arrival order', () => {
    const store = new TelemetryStore({ windowSize: 8 });
    assert.equal(store.record(at(50)), 'newest');
    assert.equal(store.record(at(40)), 'inserted');
    assert.equal(store.record(at(50)), 'duplicate');
    assert.equal(store.latest('uav-1')?.timestamp_ns, 50n);
  });

  it('forgets the UAV heard from least recently beyond maxUavs', () => {
    const store = new TelemetryStore({ windowSize: 2, maxUavs: 2 });
    store.record(at(1, 'a'));
    store.record(at(1, 'b'));
    store.record(at(2, 'a'));
    store.record(at(1, 'c'));
    assert.equal(store.uavCount, 2);
    assert.equal(store.latest('b'), undefined);
    assert.equal(store.latest('a')?.timestamp_ns, 2n);
    assert.equal(store.evictedUavs, 1);
  });

  it('holds at most maxSamples samples, all UAVs together, forgetting the least recent UAVs', () => {
    const store = new TelemetryStore({ windowSize: 4, maxUavs: 1_000, maxSamples: 10 });
    for (let ts = 1; ts <= 4; ts++) store.record(at(ts, 'a'));
    for (let ts = 1; ts <= 4; ts++) store.record(at(ts, 'b'));
    assert.equal(store.sampleCount, 8);
    // Ids that never repeat: each costs a sample, and the total stays within the bound.
    for (let n = 0; n < 500; n++) {
      store.record(at(1, `stray-${n}`));
      assert.ok(store.sampleCount <= 10, `${store.sampleCount} samples held after stray ${n}`);
    }
    assert.equal(store.latest('a'), undefined);
    assert.equal(store.latest('b'), undefined);
    assert.equal(store.latest('stray-499')?.timestamp_ns, 1n);
    assert.equal(store.sampleCount, 10);
    assert.equal(store.uavCount, 10);
  });

  it('never forgets the UAV it is storing a sample of, and counts what it forgets', () => {
    const store = new TelemetryStore({ windowSize: 3, maxSamples: 4 });
    store.record(at(1, 'a'));
    for (let ts = 1; ts <= 5; ts++) store.record(at(ts, 'b'));
    assert.deepEqual(stamps(store.window('b')), [3, 4, 5]);
    assert.equal(store.latest('a')?.timestamp_ns, 1n);
    assert.equal(store.sampleCount, 4);
    // A late sample of 'a' (inserted, not newest) grows it past the bound: 'b' goes, not 'a'.
    store.record(at(0, 'a'));
    store.record(at(2, 'a'));
    assert.deepEqual(stamps(store.window('a')), [0, 1, 2]);
    assert.equal(store.latest('b'), undefined);
    assert.equal(store.sampleCount, 3);
    assert.equal(store.evictedUavs, 1);
  });

  it('refuses a sample bound smaller than one window', () => {
    assert.throws(() => new TelemetryStore({ windowSize: 10, maxSamples: 9 }), RangeError);
  });
});
