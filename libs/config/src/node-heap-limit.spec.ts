import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NODE_HEAP_LIMIT_MB, nodeOptionsWithHeapLimit } from './node-heap-limit';

describe('node heap limit', () => {
  it('adds the limit to no options, and after the options given', () => {
    assert.equal(nodeOptionsWithHeapLimit(undefined), `--max-old-space-size=${NODE_HEAP_LIMIT_MB}`);
    assert.equal(nodeOptionsWithHeapLimit('  '), `--max-old-space-size=${NODE_HEAP_LIMIT_MB}`);
    assert.equal(
      nodeOptionsWithHeapLimit('--enable-source-maps'),
      `--enable-source-maps --max-old-space-size=${NODE_HEAP_LIMIT_MB}`,
    );
  });

  it('keeps a limit the options already set', () => {
    assert.equal(
      nodeOptionsWithHeapLimit('--trace-gc --max-old-space-size=512'),
      '--trace-gc --max-old-space-size=512',
    );
  });
});
