import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProposalBatcher } from './proposal-batcher';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const bytes = (value: number): Uint8Array => new Uint8Array([value]);

describe('ProposalBatcher', () => {
  it('hands the proposals of one turn to the core together, and those of the next apart', async () => {
    const batches: number[][] = [];
    const batcher = new ProposalBatcher((batch) => batches.push(batch.map((data) => data[0])));
    const refused = (): void => assert.fail('nothing was refused');
    batcher.add(bytes(1), refused);
    batcher.add(bytes(2), refused);
    batcher.add(bytes(3), refused);
    assert.deepEqual(batches, [], 'nothing before the turn ends');
    await turn();
    batcher.add(bytes(4), refused);
    await turn();
    assert.deepEqual(batches, [[1, 2, 3], [4]]);
  });

  it('splits a turn whose proposals exceed the byte bound, keeping their order', async () => {
    const batches: number[][] = [];
    const batcher = new ProposalBatcher(
      (batch) => batches.push(batch.map((data) => data.byteLength)),
      10,
    );
    for (const size of [4, 4, 4, 12, 1, 9]) batcher.add(new Uint8Array(size), () => undefined);
    await turn();
    assert.deepEqual(batches, [[4, 4], [4], [12], [1, 9]]);
  });

  it('tells every proposal of a refused batch', async () => {
    const refusal = new Error('no leader is known');
    const batcher = new ProposalBatcher(() => {
      throw refusal;
    });
    const heard: unknown[] = [];
    batcher.add(bytes(1), (error) => heard.push(error));
    batcher.add(bytes(2), (error) => heard.push(error));
    await turn();
    assert.deepEqual(heard, [refusal, refusal]);
  });

  it('proposes nothing that was pending when it was cleared', async () => {
    const batches: number[][] = [];
    const batcher = new ProposalBatcher((batch) => batches.push(batch.map((data) => data[0])));
    batcher.add(bytes(1), () => undefined);
    batcher.clear();
    await turn();
    assert.deepEqual(batches, []);
  });
});
