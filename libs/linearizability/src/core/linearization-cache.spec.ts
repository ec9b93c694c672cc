import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { LinearizationCache } from './linearization-cache';
import { OperationBitset } from './operation-bitset';

describe('LinearizationCache', () => {
  it('remembers (linearized set, state) pairs, whatever order the set was built in', () => {
    const linearized = new OperationBitset(100);
    const cache = new LinearizationCache(linearized.words.length);
    linearized.add(3);
    linearized.add(70);
    assert.equal(cache.addIfAbsent(linearized, 'RUNNING@2'), true);
    assert.equal(cache.addIfAbsent(linearized, 'RUNNING@2'), false);
    assert.equal(cache.addIfAbsent(linearized, 'PAUSED@3'), true);

    const sameSet = new OperationBitset(100);
    sameSet.add(70);
    sameSet.add(3);
    assert.equal(cache.addIfAbsent(sameSet, 'RUNNING@2'), false);
    sameSet.remove(70);
    assert.equal(cache.addIfAbsent(sameSet, 'RUNNING@2'), true);
  });

  it('keeps every entry while it grows', () => {
    const linearized = new OperationBitset(2000);
    const cache = new LinearizationCache(linearized.words.length);
    for (let member = 0; member < 2000; member++) {
      linearized.add(member);
      assert.equal(cache.addIfAbsent(linearized, 'state'), true);
    }
    for (let member = 1999; member >= 0; member--) {
      assert.equal(cache.addIfAbsent(linearized, 'state'), false, `set of ${member + 1}`);
      linearized.remove(member);
    }
  });
});
