import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeClusterRecord, encodeClusterRecord } from './cluster-record';
import { ClusterRecord } from './discovery';
import { CorruptClusterRecordError } from './discovery-errors';

const RECORD: ClusterRecord = {
  clusterUuid: '5a0c4c5e-6a4e-4b8e-9d53-3f1f1d2b7c11',
  initialVoters: [
    {
      nodeId: 'n1',
      httpAddress: '10.0.0.1',
      httpPort: 8888,
      raftAddress: '10.0.0.1',
      raftPort: 8889,
    },
    {
      nodeId: 'n2',
      httpAddress: '10.0.0.2',
      httpPort: 8888,
      raftAddress: '10.0.0.2',
      raftPort: 8889,
    },
  ],
  createdAt: '2026-01-01T00:00:00.000Z',
};

describe('cluster record', () => {
  it('survives a round trip through the store', () => {
    assert.deepEqual(decodeClusterRecord(encodeClusterRecord(RECORD), 'k'), RECORD);
  });

  it('stores only the known fields', () => {
    const extended = { ...RECORD, extra: 'dropped' } as ClusterRecord;
    const stored = JSON.parse(encodeClusterRecord(extended)) as Record<string, unknown>;
    assert.equal(stored.extra, undefined);
  });

  for (const [what, text] of [
    ['not JSON', '{'],
    ['no uuid', JSON.stringify({ ...RECORD, clusterUuid: '' })],
    ['no voters', JSON.stringify({ ...RECORD, initialVoters: [] })],
    ['a bad voter', JSON.stringify({ ...RECORD, initialVoters: [{ nodeId: 'n1', httpPort: 0 }] })],
  ]) {
    it(`refuses a record with ${what}, naming where it is`, () => {
      assert.throws(
        () => decodeClusterRecord(text, '/falconmind/x/cluster'),
        (error: unknown) =>
          error instanceof CorruptClusterRecordError &&
          error.message.includes('/falconmind/x/cluster'),
      );
    });
  }
});
