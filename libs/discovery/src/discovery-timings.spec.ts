import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_DISCOVERY_TIMINGS, resolveDiscoveryTimings } from './discovery-timings';

describe('discovery timings', () => {
  it('defaults to the design: 10 s lease, 5 s/2 s HTTP check, 1 min reaping', () => {
    const timings = resolveDiscoveryTimings();
    assert.deepEqual(timings, DEFAULT_DISCOVERY_TIMINGS);
    assert.equal(timings.etcdLeaseTtlSeconds, 10);
    assert.equal(timings.consulCheckIntervalMs, 5_000);
    assert.equal(timings.consulCheckTimeoutMs, 2_000);
    assert.equal(timings.consulDeregisterCriticalAfterMs, 60_000);
  });

  it('takes overrides and refuses nonsense', () => {
    assert.equal(resolveDiscoveryTimings({ etcdLeaseTtlSeconds: 2 }).etcdLeaseTtlSeconds, 2);
    assert.throws(() => resolveDiscoveryTimings({ retryMinMs: 0 }), /retryMinMs/);
    assert.throws(() => resolveDiscoveryTimings({ etcdLeaseTtlSeconds: 1.5 }), /whole seconds/);
    assert.throws(() => resolveDiscoveryTimings({ retryMinMs: 20_000 }), /retryMaxMs/);
    assert.throws(
      () => resolveDiscoveryTimings({ consulTtlPassIntervalMs: 20_000 }),
      /consulTtlCheckMs/,
    );
  });
});
