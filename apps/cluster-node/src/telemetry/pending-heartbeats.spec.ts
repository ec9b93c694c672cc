import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TelemetrySample } from '@falconmind/telemetry';
import { PendingHeartbeats } from './pending-heartbeats';

function sample(uavId: string, ts: number): TelemetrySample {
  return { uav_id: uavId, timestamp_ns: BigInt(ts), position: { lat: 1, lon: 2, alt: 3 } };
}

describe('pending heartbeats', () => {
  it('keeps the newest sample per UAV until taken', () => {
    const pending = new PendingHeartbeats(10);
    pending.note(sample('a', 2));
    pending.note(sample('a', 1));
    pending.note(sample('b', 5));
    const taken = pending.take();
    assert.equal(taken.get('a')?.timestamp_ns, 2n);
    assert.equal(taken.get('b')?.timestamp_ns, 5n);
    assert.equal(pending.size, 0);
  });

  it('holds at most its capacity of UAVs while no round takes them, and counts the rest', () => {
    const pending = new PendingHeartbeats(3);
    // A round that hangs: ids keep coming, none is taken.
    for (let n = 0; n < 1_000; n++) pending.note(sample(`uav-${n}`, n));
    assert.equal(pending.size, 3);
    assert.equal(pending.overflowed, 997);
    // A UAV already pending still takes its newer samples.
    pending.note(sample('uav-0', 5_000));
    assert.equal(pending.take().get('uav-0')?.timestamp_ns, 5_000n);
    pending.note(sample('uav-999', 6_000));
    assert.equal(pending.size, 1);
  });
});
