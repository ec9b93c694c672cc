import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMMAND_MAX_TRIES, commandResendDelayMs, reconnectDelayMs } from './backoff';

describe('commandResendDelayMs', () => {
  it('waits 2 s after the first send, doubling, capped at 64 s', () => {
    const delays = Array.from({ length: COMMAND_MAX_TRIES }, (_, i) => commandResendDelayMs(i + 1));
    assert.deepEqual(delays, [2000, 4000, 8000, 16000, 32000, 64000, 64000, 64000, 64000, 64000]);
  });
});

describe('reconnectDelayMs', () => {
  it('doubles from 0.5 s up to 30 s', () => {
    assert.deepEqual(
      [1, 2, 3, 7, 8, 20].map((attempt) => reconnectDelayMs(attempt, 0)),
      [500, 1000, 2000, 30000, 30000, 30000],
    );
  });

  it('takes up to a fifth off at random', () => {
    assert.equal(reconnectDelayMs(2, 0.5), 900);
    assert.ok(reconnectDelayMs(10, 0.999) > 24_000);
  });
});
