import { PeerNode } from './node-config';
import {
  HOST_EXPECTED,
  ID_EXPECTED,
  PORT_EXPECTED,
  ReportProblem,
  isHost,
  isId,
  isPort,
} from './validators';

const VARIABLE = 'PEER_NODES';
const FIELDS = new Set(['node_id', 'address', 'port', 'raft_port']);
const SHAPE = '{"node_id","address","port"} objects, each with an optional "raft_port"';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Parses `PEER_NODES`: a JSON list of `{"node_id","address","port"}` objects with an optional
 * `"raft_port"` (default `port + 1`). Each bad element or field is reported by its place, e.g.
 * `PEER_NODES[1].port`. Returns `undefined` when anything was reported. Blank text means no peers.
 */
export function parsePeerNodes(
  text: string | undefined,
  report: ReportProblem,
): PeerNode[] | undefined {
  if (text === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    report(VARIABLE, text, `a JSON list of ${SHAPE} (not JSON: ${reason})`);
    return undefined;
  }
  if (!Array.isArray(parsed)) {
    report(VARIABLE, text, `a JSON list of ${SHAPE}, not ${describe(parsed)}`);
    return undefined;
  }

  const peers: PeerNode[] = [];
  const placeOfId = new Map<string, string>();
  const placeOfEndpoint = new Map<string, string>();
  let ok = true;
  const fail: ReportProblem = (variable, value, expected) => {
    ok = false;
    report(variable, value, expected);
  };

  parsed.forEach((element: unknown, index) => {
    const place = `${VARIABLE}[${index}]`;
    if (typeof element !== 'object' || element === null || Array.isArray(element)) {
      fail(place, element, `an object like {"node_id":"node2","address":"10.0.0.2","port":8888}`);
      return;
    }
    const fields = element as Record<string, unknown>;
    let elementOk = true;
    const check = (field: string, valid: boolean, expected: string): void => {
      if (valid) return;
      elementOk = false;
      fail(`${place}.${field}`, fields[field], expected);
    };

    for (const key of Object.keys(fields)) {
      check(key, FIELDS.has(key), 'no such field (known: node_id, address, port, raft_port)');
    }
    const { node_id: nodeId, address, port } = fields;
    check('node_id', isId(nodeId), `a node id of ${ID_EXPECTED}`);
    check('address', isHost(address), HOST_EXPECTED);
    check('port', isPort(port), PORT_EXPECTED);
    const raftPort = fields.raft_port ?? (isPort(port) ? port + 1 : undefined);
    if (fields.raft_port !== undefined) {
      check('raft_port', isPort(raftPort), PORT_EXPECTED);
    } else if (isPort(port) && !isPort(raftPort)) {
      check(
        'raft_port',
        false,
        `${PORT_EXPECTED} (the default port + 1 = ${port + 1} is too large)`,
      );
    }
    if (!elementOk || !isId(nodeId) || !isHost(address) || !isPort(port) || !isPort(raftPort)) {
      return;
    }

    if (raftPort === port) {
      fail(`${place}.raft_port`, raftPort, `a port other than ${place}.port (${port})`);
      return;
    }
    const sameId = placeOfId.get(nodeId);
    if (sameId !== undefined) {
      fail(`${place}.node_id`, nodeId, `a node id not already listed (${sameId} has it)`);
      return;
    }
    const endpoint = `${address}:${port}`;
    const sameEndpoint = placeOfEndpoint.get(endpoint);
    if (sameEndpoint !== undefined) {
      fail(
        `${place}.port`,
        port,
        `an address and port not already listed (${sameEndpoint} has ${endpoint})`,
      );
      return;
    }
    placeOfId.set(nodeId, place);
    placeOfEndpoint.set(endpoint, place);
    peers.push(Object.freeze({ nodeId, address, port, raftPort }));
  });

  return ok ? peers : undefined;
}
