import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecordCache } from './record-cache';

const record = (version: number): { version: number; json: string } => ({
  version,
  json: `{"version":${version}}`,
});

describe('RecordCache', () => {
  it('serves a record while the applied index stays where it was read', () => {
    const cache = new RecordCache(10);
    assert.equal(cache.get('mission:m1', 7), undefined);
    cache.set('mission:m1', record(1), 7, 7);
    assert.deepEqual(cache.get('mission:m1', 7), record(1));
  });

  it('forgets everything once the applied index moves', () => {
    const cache = new RecordCache(10);
    cache.set('mission:m1', record(1), 7, 7);
    cache.set('uav:u1', record(3), 7, 7);
    assert.equal(cache.get('mission:m1', 8), undefined);
    assert.equal(cache.get('uav:u1', 8), undefined);
    assert.equal(cache.size, 0);
  });

  it('drops an answer whose query raced an apply: the index it was read at has passed', () => {
    const cache = new RecordCache(10);
    // Read at 7; index 8 applied (and the record changed) before the answer came back.
    cache.set('mission:m1', record(1), 7, 8);
    assert.equal(cache.get('mission:m1', 8), undefined);
  });

  it('keeps an absent record as null, until an apply', () => {
    const cache = new RecordCache(10);
    cache.set('mission:gone', null, 4, 4);
    assert.equal(cache.get('mission:gone', 4), null);
    assert.equal(cache.get('mission:gone', 5), undefined);
  });

  it('holds at most its bound, dropping the oldest record first', () => {
    const cache = new RecordCache(2);
    cache.set('a', record(1), 1, 1);
    cache.set('b', record(2), 1, 1);
    cache.set('c', record(3), 1, 1);
    assert.equal(cache.size, 2);
    assert.equal(cache.get('a', 1), undefined);
    assert.deepEqual(cache.get('c', 1), record(3));
  });

  it('keeps nothing with a bound of 0', () => {
    const cache = new RecordCache(0);
    cache.set('a', record(1), 1, 1);
    assert.equal(cache.get('a', 1), undefined);
  });
});
