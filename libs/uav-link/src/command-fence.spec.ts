import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandFence } from './command-fence';

describe('CommandFence', () => {
  it('executes new commands in seq order and records the highest term', () => {
    const fence = new CommandFence();
    assert.equal(fence.admit({ seq: 1, term: 3 }), 'execute');
    assert.equal(fence.admit({ seq: 2, term: 3 }), 'execute');
    assert.deepEqual(fence.state(), { lastExecutedSeq: 2, highestTerm: 3 });
  });

  it('drops a repeat of an executed seq, whatever the term (a new leader resending)', () => {
    const fence = new CommandFence();
    fence.admit({ seq: 1, term: 3 });
    assert.equal(fence.admit({ seq: 1, term: 3 }), 'duplicate');
    assert.equal(fence.admit({ seq: 1, term: 4 }), 'duplicate');
    assert.deepEqual(fence.state(), { lastExecutedSeq: 1, highestTerm: 4 });
  });

  it('ignores a deposed leader: a lower term, even with a new seq, changes nothing', () => {
    const fence = new CommandFence();
    fence.admit({ seq: 1, term: 5 });
    assert.equal(fence.admit({ seq: 2, term: 4 }), 'stale_term');
    assert.deepEqual(fence.state(), { lastExecutedSeq: 1, highestTerm: 5 });
    assert.equal(
      fence.admit({ seq: 2, term: 5 }),
      'execute',
      'the current leader still gets through',
    );
  });

  it('a higher term seen on a repeat fences the old leader from then on', () => {
    const fence = new CommandFence({ lastExecutedSeq: 7, highestTerm: 2 });
    assert.equal(fence.admit({ seq: 7, term: 3 }), 'duplicate');
    assert.equal(fence.admit({ seq: 8, term: 2 }), 'stale_term');
  });

  it('starts from a persisted state', () => {
    const fence = new CommandFence({ lastExecutedSeq: 10, highestTerm: 9 });
    assert.equal(fence.admit({ seq: 10, term: 9 }), 'duplicate');
    assert.equal(fence.admit({ seq: 11, term: 8 }), 'stale_term');
    assert.equal(fence.admit({ seq: 11, term: 9 }), 'execute');
  });
});
