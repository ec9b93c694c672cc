import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DriverStoppedError, NoLeaderError, OutcomeUnknownError } from './driver-errors';
import { ReadIndexBatcher } from './read-index-batcher';

/** A ReadIndex request the test answers by hand, as the leader would. */
interface Request {
  readonly timeoutMs: number;
  answer(index: number): void;
  fail(error: Error): void;
}

/** A batcher whose requests wait for the test; `requests` lists them in the order they were made. */
function batcherWithRequests(retryAfterMs = 10_000): {
  batcher: ReadIndexBatcher;
  requests: Request[];
} {
  const requests: Request[] = [];
  const batcher = new ReadIndexBatcher({
    retryAfterMs,
    request: (timeoutMs) =>
      new Promise<number>((resolve, reject) => {
        requests.push({ timeoutMs, answer: resolve, fail: reject });
      }),
  });
  return { batcher, requests };
}

/** Lets settled promises run their callbacks. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Records how a promise ended, without awaiting it. */
function outcomeOf<T>(promise: Promise<T>): { value?: T; error?: unknown } {
  const outcome: { value?: T; error?: unknown } = {};
  promise.then(
    (value) => (outcome.value = value),
    (error: unknown) => (outcome.error = error),
  );
  return outcome;
}

describe('ReadIndexBatcher', () => {
  it('asks at once for the first reader, and once more for all who arrive while that request is out', async () => {
    const { batcher, requests } = batcherWithRequests();
    const first = outcomeOf(batcher.read(1000));
    assert.equal(requests.length, 1);

    const later = Array.from({ length: 50 }, () => outcomeOf(batcher.read(1000)));
    assert.equal(requests.length, 1, 'the readers behind it do not ask on their own');

    requests[0].answer(7);
    await settle();
    assert.equal(first.value, 7);
    assert.ok(
      later.every((outcome) => outcome.value === undefined),
      'a later reader never takes the read point of a request made before it arrived',
    );
    assert.equal(requests.length, 2, 'one request for the fifty readers behind the first');

    requests[1].answer(9);
    await settle();
    assert.deepEqual(new Set(later.map((outcome) => outcome.value)), new Set([9]));
    assert.equal(requests.length, 2, 'nothing left to ask for');
  });

  it('asks again for the same readers when a request goes unanswered (a lost message)', async () => {
    const { batcher, requests } = batcherWithRequests(200);
    const reader = outcomeOf(batcher.read(5000));
    assert.equal(requests[0].timeoutMs, 200, 'a request waits at most retryAfterMs');

    requests[0].fail(new OutcomeUnknownError('no answer'));
    await settle();
    assert.equal(reader.error, undefined);
    assert.equal(requests.length, 2);

    requests[1].answer(3);
    await settle();
    assert.equal(reader.value, 3);
  });

  it('fails the readers of a request that fails otherwise, and serves the next batch', async () => {
    const { batcher, requests } = batcherWithRequests();
    const failed = outcomeOf(batcher.read(1000));
    const next = outcomeOf(batcher.read(1000));

    requests[0].fail(new NoLeaderError('', 'no leader is known'));
    await settle();
    assert.ok(failed.error instanceof NoLeaderError);
    assert.equal(requests.length, 2);

    requests[1].answer(4);
    await settle();
    assert.equal(next.value, 4);
  });

  it('times a reader out on its own, leaving the others of its batch waiting', async () => {
    const { batcher, requests } = batcherWithRequests();
    outcomeOf(batcher.read(1000));
    const impatient = batcher.read(20);
    const patient = outcomeOf(batcher.read(5000));

    await assert.rejects(impatient, OutcomeUnknownError);
    requests[0].answer(1);
    await settle();
    assert.ok(
      requests[1].timeoutMs > 1000 && requests[1].timeoutMs <= 5000,
      `the next request waits as long as its one live reader may (${requests[1].timeoutMs} ms)`,
    );
    requests[1].answer(2);
    await settle();
    assert.equal(patient.value, 2);
  });

  it('does not ask for readers that all timed out meanwhile', async () => {
    const { batcher, requests } = batcherWithRequests();
    outcomeOf(batcher.read(1000));
    await assert.rejects(batcher.read(10), OutcomeUnknownError);

    requests[0].answer(1);
    await settle();
    assert.equal(requests.length, 1);
  });

  it('fails waiting and later readers once closed', async () => {
    const { batcher, requests } = batcherWithRequests();
    outcomeOf(batcher.read(1000));
    const waiting = batcher.read(1000);

    batcher.close(new DriverStoppedError());
    await assert.rejects(waiting, DriverStoppedError);
    await assert.rejects(batcher.read(1000), DriverStoppedError);
    requests[0].fail(new DriverStoppedError());
    await settle();
    assert.equal(requests.length, 1);
  });
});
