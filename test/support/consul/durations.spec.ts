import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatGoDuration, InvalidDurationError, parseConsulDuration } from './durations';

describe('Consul durations', () => {
  it('parses Go duration strings into milliseconds', () => {
    assert.equal(parseConsulDuration('5s'), 5000);
    assert.equal(parseConsulDuration('500ms'), 500);
    assert.equal(parseConsulDuration('1m'), 60_000);
    assert.equal(parseConsulDuration('1m30s'), 90_000);
    assert.equal(parseConsulDuration('1.5h'), 5_400_000);
    assert.equal(parseConsulDuration('0'), 0);
    assert.equal(parseConsulDuration('250us'), 0.25);
    // A JSON number is nanoseconds, as Go decodes it.
    assert.equal(parseConsulDuration(2_000_000_000), 2000);
  });

  it('refuses what Go refuses', () => {
    for (const bad of ['', '5', 's', '5 s', '5sec', '1m-1s']) {
      assert.throws(() => parseConsulDuration(bad), InvalidDurationError, bad);
    }
  });

  it('formats like time.Duration.String()', () => {
    assert.equal(formatGoDuration(5000), '5s');
    assert.equal(formatGoDuration(60_000), '1m0s');
    assert.equal(formatGoDuration(90_500), '1m30.5s');
    assert.equal(formatGoDuration(3_600_000), '1h0m0s');
    assert.equal(formatGoDuration(500), '500ms');
    assert.equal(formatGoDuration(0), '0s');
  });
});
