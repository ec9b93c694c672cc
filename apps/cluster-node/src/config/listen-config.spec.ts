import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { InvalidEnvironmentError, readListenConfig } from './listen-config';

describe('readListenConfig', () => {
  it('defaults to 127.0.0.1:8888', () => {
    assert.deepEqual(readListenConfig({}), { address: '127.0.0.1', port: 8888 });
  });

  it('treats empty variables as unset', () => {
    assert.deepEqual(readListenConfig({ NODE_ADDRESS: ' ', NODE_PORT: '' }), {
      address: '127.0.0.1',
      port: 8888,
    });
  });

  it('reads NODE_ADDRESS and NODE_PORT', () => {
    assert.deepEqual(readListenConfig({ NODE_ADDRESS: '0.0.0.0', NODE_PORT: '9001' }), {
      address: '0.0.0.0',
      port: 9001,
    });
  });

  for (const bad of ['0', '65536', '80.5', '-1', 'http', '1e3']) {
    it(`rejects NODE_PORT=${bad} naming the variable`, () => {
      assert.throws(
        () => readListenConfig({ NODE_PORT: bad }),
        (error: unknown) =>
          error instanceof InvalidEnvironmentError &&
          error.variable === 'NODE_PORT' &&
          error.message.startsWith(`NODE_PORT="${bad}" is invalid`),
      );
    });
  }
});
