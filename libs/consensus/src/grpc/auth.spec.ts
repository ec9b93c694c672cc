import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Metadata, status } from '@grpc/grpc-js';
import { AUTH_METADATA, StreamAdmission, openingMetadata } from './auth';

const T0 = 1_700_000_000_000;

function admission(
  now: () => number,
  overrides: { clusterSecret?: string; clusterId?: string } = {},
): StreamAdmission {
  return new StreamAdmission({
    nodeId: 'b',
    clusterId: overrides.clusterId ?? 'fleet-1',
    clusterSecret: 'clusterSecret' in overrides ? overrides.clusterSecret : 's3cret',
    now,
  });
}

function opening(overrides: Partial<Parameters<typeof openingMetadata>[0]> = {}): Metadata {
  return openingMetadata({
    clusterId: 'fleet-1',
    clusterSecret: 's3cret',
    nodeId: 'a',
    peerId: 'b',
    now: T0,
    ...overrides,
  });
}

describe('stream admission', () => {
  it('admits a correctly signed opening and names its sender', () => {
    assert.deepEqual(admission(() => T0).check(opening()), { ok: true, nodeId: 'a' });
  });

  it('refuses a wrong cluster id with FAILED_PRECONDITION', () => {
    const result = admission(() => T0).check(opening({ clusterId: 'fleet-2' }));
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.code, status.FAILED_PRECONDITION);
    assert.equal(!result.ok && result.clusterId, 'fleet-2');
  });

  it('refuses an opening meant for another node', () => {
    const result = admission(() => T0).check(opening({ peerId: 'c' }));
    assert.equal(!result.ok && result.code, status.FAILED_PRECONDITION);
  });

  it('refuses a wrong, missing or tampered proof with UNAUTHENTICATED', () => {
    const check = admission(() => T0);
    const wrongSecret = check.check(opening({ clusterSecret: 'guess' }));
    assert.equal(!wrongSecret.ok && wrongSecret.reason, 'wrong proof');
    const missing = check.check(opening({ clusterSecret: undefined }));
    assert.equal(!missing.ok && missing.reason, 'missing proof');
    assert.equal(!missing.ok && missing.code, status.UNAUTHENTICATED);

    // A proof made for node "a" does not admit a stream claiming to be node "c".
    const spoofed = opening();
    spoofed.set(AUTH_METADATA.nodeId, 'c');
    const result = check.check(spoofed);
    assert.equal(!result.ok && result.reason, 'wrong proof');
  });

  it('refuses an opening without a sender', () => {
    const metadata = opening();
    metadata.remove(AUTH_METADATA.nodeId);
    const result = admission(() => T0).check(metadata);
    assert.equal(!result.ok && result.code, status.UNAUTHENTICATED);
  });

  it('allows 60 s of clock skew either way, and no more', () => {
    assert.equal(admission(() => T0 + 60_000).check(opening()).ok, true);
    assert.equal(admission(() => T0 - 60_000).check(opening()).ok, true);
    const late = admission(() => T0 + 60_001).check(opening());
    assert.equal(!late.ok && late.reason, 'timestamp outside the allowed clock skew');
    assert.equal(admission(() => T0 - 60_001).check(opening()).ok, false);
  });

  it('refuses a replayed opening, and forgets nonces once their window has passed', () => {
    let now = T0;
    const check = admission(() => now);
    const recorded = opening({ nonce: 'aaaaaaaaaaaaaaaaaaaaaaaa' });
    assert.equal(check.check(recorded).ok, true);
    const replay = check.check(recorded);
    assert.equal(!replay.ok && replay.reason, 'replayed opening');
    assert.equal(check.check(opening()).ok, true, 'a fresh nonce is fine');
    now = T0 + 10 * 60_000;
    assert.equal(check.check(opening({ now })).ok, true);
    assert.equal(check.check(recorded).ok, false, 'stale by then');
  });

  it('without a secret, checks identity and cluster only', () => {
    const open = admission(() => T0, { clusterSecret: undefined });
    assert.deepEqual(open.check(opening({ clusterSecret: undefined })), { ok: true, nodeId: 'a' });
    assert.equal(open.check(opening({ clusterId: 'other', clusterSecret: undefined })).ok, false);
  });

  it('carries ids with any characters', () => {
    const check = new StreamAdmission({
      nodeId: 'nœud b',
      clusterId: 'flotte/1',
      clusterSecret: 'k',
      now: () => T0,
    });
    const metadata = openingMetadata({
      clusterId: 'flotte/1',
      clusterSecret: 'k',
      nodeId: 'nœud|a',
      peerId: 'nœud b',
      now: T0,
    });
    assert.deepEqual(check.check(metadata), { ok: true, nodeId: 'nœud|a' });
  });
});
