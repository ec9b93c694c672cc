import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeEnvelope, encodeEnvelope, newRequestId } from './proposal-envelope';

describe('proposal envelope', () => {
  it('makes ids that differ on every call and fit the envelope', () => {
    const ids = Array.from({ length: 1000 }, () => newRequestId());
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^[0-9a-f]{32}$/);
    // One process: the same first half; the counter in the second.
    assert.equal(new Set(ids.map((id) => id.slice(0, 16))).size, 1);
  });

  it('decodes what it encodes', () => {
    const requestId = newRequestId();
    const payload = new Uint8Array([1, 2, 3]);
    const decoded = decodeEnvelope(encodeEnvelope({ requestId, payload }));
    assert.equal(decoded?.requestId, requestId);
    assert.deepEqual([...(decoded?.payload ?? [])], [1, 2, 3]);
  });
});
