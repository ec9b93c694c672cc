import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ConfigValidationError } from './config-validation-error';
import { loadNodeConfig } from './load-node-config';

const SHAPE = '{"node_id","address","port"} objects, each with an optional "raft_port"';
const PORT = 'an integer port in 1..65535';

function problemLines(peers: string): string[] {
  try {
    loadNodeConfig({ NODE_ID: 'node1', PEER_NODES: peers });
  } catch (error) {
    assert.ok(error instanceof ConfigValidationError, `unexpected error: ${String(error)}`);
    return error.message.split('\n');
  }
  assert.fail(`accepted PEER_NODES=${peers}`);
}

describe('PEER_NODES', () => {
  it('parses the design example, raft_port defaulting to port + 1', () => {
    const config = loadNodeConfig({
      NODE_ID: 'node1',
      PEER_NODES:
        '[{"node_id":"node2","address":"192.168.1.11","port":8888},{"node_id":"node3","address":"192.168.1.12","port":8888}]',
    });
    assert.deepEqual(config.peers, [
      { nodeId: 'node2', address: '192.168.1.11', port: 8888, raftPort: 8889 },
      { nodeId: 'node3', address: '192.168.1.12', port: 8888, raftPort: 8889 },
    ]);
  });

  it('drops the entry for this node, so that every node can share one list', () => {
    const config = loadNodeConfig({
      NODE_ID: 'node2',
      PEER_NODES:
        '[{"node_id":"node1","address":"10.0.0.1","port":8888},{"node_id":"node2","address":"10.0.0.2","port":8888}]',
    });
    assert.deepEqual(
      config.peers.map((peer) => peer.nodeId),
      ['node1'],
    );
  });

  it('means no peers when empty, without requiring NODE_ID', () => {
    assert.deepEqual(loadNodeConfig({ PEER_NODES: '[]' }).peers, []);
    assert.deepEqual(loadNodeConfig({ PEER_NODES: ' [ ] ' }).nodeId, 'node-1');
  });

  it('accepts IPv6 literals and hostnames', () => {
    const config = loadNodeConfig({
      NODE_ID: 'node1',
      PEER_NODES:
        '[{"node_id":"node2","address":"fd00::2","port":8888},{"node_id":"node3","address":"node3.fleet","port":8888}]',
    });
    assert.deepEqual(
      config.peers.map((peer) => peer.address),
      ['fd00::2', 'node3.fleet'],
    );
  });

  it('rejects text that is not JSON, naming the variable and its value', () => {
    const [line, ...rest] = problemLines('[{node_id:"node2"}]');
    assert.deepEqual(rest, []);
    assert.ok(
      line.startsWith(
        `config: PEER_NODES="[{node_id:\\"node2\\"}]" is invalid: expected a JSON list of ${SHAPE} (not JSON: `,
      ),
      line,
    );
  });

  const cases: Array<[peers: string, lines: string[]]> = [
    [
      '{"node_id":"node2","address":"10.0.0.2","port":8888}',
      [
        `config: PEER_NODES="{\\"node_id\\":\\"node2\\",\\"address\\":\\"10.0.0.2\\",\\"port\\":8888}" is invalid: expected a JSON list of ${SHAPE}, not an object`,
      ],
    ],
    [
      '[null]',
      [
        'config: PEER_NODES[0]=null is invalid: expected an object like {"node_id":"node2","address":"10.0.0.2","port":8888}',
      ],
    ],
    [
      '[{"node_id":"node2","address":"10.0.0.2"}]',
      [`config: PEER_NODES[0].port is not set: expected ${PORT}`],
    ],
    [
      '[{"node_id":"node2","address":"10.0.0.2","port":8888},{"node_id":"node3","address":"10.0.0.3","port":"8888"}]',
      [`config: PEER_NODES[1].port="8888" is invalid: expected ${PORT}`],
    ],
    [
      '[{"node_id":"node2","address":"10.0.0.2","port":8888},{"node_id":"node3","address":"10.0.0.3","port":70000}]',
      [`config: PEER_NODES[1].port=70000 is invalid: expected ${PORT}`],
    ],
    [
      '[{"node_id":"node2","address":"10.0.0.2","port":65535}]',
      [
        `config: PEER_NODES[0].raft_port is not set: expected ${PORT} (the default port + 1 = 65536 is too large)`,
      ],
    ],
    [
      '[{"node_id":"node2","address":"10.0.0.2","port":8888,"raft_port":8888}]',
      [
        'config: PEER_NODES[0].raft_port=8888 is invalid: expected a port other than PEER_NODES[0].port (8888)',
      ],
    ],
    [
      '[{"node_id":"node 2","address":"10.0.0.2 ","port":8888}]',
      [
        'config: PEER_NODES[0].node_id="node 2" is invalid: expected a node id of 1 to 64 characters from [A-Za-z0-9._-]',
        'config: PEER_NODES[0].address="10.0.0.2 " is invalid: expected an IPv4 or IPv6 address (without brackets) or a hostname',
      ],
    ],
    [
      '[{"node_id":"node2","address":"10.0.0.2","port":8888,"raftPort":8890}]',
      [
        'config: PEER_NODES[0].raftPort=8890 is invalid: expected no such field (known: node_id, address, port, raft_port)',
      ],
    ],
    [
      '[{"node_id":"node2","address":"10.0.0.2","port":8888},{"node_id":"node2","address":"10.0.0.3","port":8888}]',
      [
        'config: PEER_NODES[1].node_id="node2" is invalid: expected a node id not already listed (PEER_NODES[0] has it)',
      ],
    ],
    [
      '[{"node_id":"node2","address":"10.0.0.2","port":8888},{"node_id":"node3","address":"10.0.0.2","port":8888}]',
      [
        'config: PEER_NODES[1].port=8888 is invalid: expected an address and port not already listed (PEER_NODES[0] has 10.0.0.2:8888)',
      ],
    ],
  ];

  for (const [peers, lines] of cases) {
    it(`rejects ${peers}`, () => {
      assert.deepEqual(problemLines(peers), lines);
    });
  }
});
