import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSampleBatch, encodeSampleBatch } from './sample-batch-codec';
import { SheddingQueue } from './shedding-queue';
import { TelemetryPipeline } from './telemetry-pipeline';

const NOW_NS = 1_800_000_000_000_000_000n;

function raw(uavId: string, ts: number): Record<string, unknown> {
  return { uav_id: uavId, timestamp_ns: ts, position: { lat: 1, lon: 2, alt: 3 } };
}

describe('shedding queue', () => {
  it('sheds the oldest when full and counts it', () => {
    const queue = new SheddingQueue<number>(3);
    assert.equal(queue.push(1), undefined);
    queue.push(2);
    queue.push(3);
    assert.equal(queue.push(4), 1);
    assert.equal(queue.push(5), 2);
    assert.equal(queue.shed, 2);
    assert.deepEqual(queue.take(2), [3, 4]);
    queue.push(6);
    assert.deepEqual(queue.take(10), [5, 6]);
    assert.equal(queue.size, 0);
  });
});

describe('telemetry pipeline', () => {
  it('queues the good samples of a batch, reports the bad ones, stores on drain', () => {
    const pipeline = new TelemetryPipeline({ windowSize: 4, queueCapacity: 100 });
    const result = pipeline.ingest([raw('a', 1), { uav_id: 'a' }, raw('b', 2)], 'http', NOW_NS);
    assert.equal(result.accepted, 2);
    assert.deepEqual(result.rejected, [{ index: 1, field: 'timestamp_ns', reason: 'is required' }]);
    assert.equal(pipeline.store.latest('a'), undefined, 'stored only on drain');
    assert.equal(pipeline.backlog, 2);
    const fresh = pipeline.drain(10);
    assert.deepEqual(
      fresh.map((f) => [f.sample.uav_id, f.source]),
      [
        ['a', 'http'],
        ['b', 'http'],
      ],
    );
    assert.equal(pipeline.store.latest('b')?.timestamp_ns, 2n);
    assert.equal(pipeline.counters.accepted.http, 2);
    assert.equal(pipeline.counters.rejected.http, 1);
  });

  it('drains in slices of the size asked for', () => {
    const pipeline = new TelemetryPipeline({ windowSize: 4, queueCapacity: 100 });
    pipeline.ingest(
      Array.from({ length: 10 }, (_, i) => raw(`u${i}`, 1)),
      'mqtt',
      NOW_NS,
    );
    assert.equal(pipeline.drain(4).length, 4);
    assert.equal(pipeline.backlog, 6);
  });

  it('when it cannot keep up, sheds the oldest samples and counts them by source', () => {
    const pipeline = new TelemetryPipeline({ windowSize: 100, queueCapacity: 5 });
    pipeline.ingest([raw('a', 1), raw('a', 2), raw('a', 3)], 'peer', NOW_NS);
    pipeline.ingest([raw('a', 4), raw('a', 5), raw('a', 6), raw('a', 7)], 'http', NOW_NS);
    assert.equal(pipeline.counters.shed.peer, 2);
    assert.equal(pipeline.counters.shed.http, 0);
    const kept = pipeline.drain(100).map((f) => Number(f.sample.timestamp_ns));
    assert.deepEqual(kept, [3, 4, 5, 6, 7]);
  });

  it('does not hand on a sample it already holds', () => {
    const pipeline = new TelemetryPipeline({ windowSize: 4, queueCapacity: 10 });
    pipeline.ingest([raw('a', 5)], 'http', NOW_NS);
    pipeline.drain(10);
    pipeline.ingest([raw('a', 5)], 'peer', NOW_NS);
    assert.deepEqual(pipeline.drain(10), []);
    assert.equal(pipeline.counters.stale.peer, 1);
  });

  it('takes in a peer batch decoded from its binary form, validated like any input', () => {
    const sender = new TelemetryPipeline({ windowSize: 4, queueCapacity: 10 });
    sender.ingest(
      [
        { ...raw('a', 1), timestamp_ns: '1799999999999999999', flight_mode: 'RTL' },
        { ...raw('b', 2), battery: { percent: 40 }, gps: { fix_type: 2, num_sat: 7 } },
      ],
      'http',
      NOW_NS,
    );
    const sent = sender.drain(10).map((f) => f.sample);
    const receiver = new TelemetryPipeline({ windowSize: 4, queueCapacity: 10 });
    const result = receiver.ingest(decodeSampleBatch(encodeSampleBatch(sent)), 'peer', NOW_NS);
    assert.deepEqual(result, { accepted: 2, rejected: [] });
    assert.deepEqual(
      receiver.drain(10).map((f) => f.sample),
      sent,
    );
  });
});
