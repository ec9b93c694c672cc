import { FieldProblem } from '../common/api-error';

/** A parsed, valid `POST /cluster/register` body. */
export interface RegisterNodeRequest {
  readonly nodeId: string;
  /** Undefined when the caller gave none or a wildcard: the address it is seen from is used. */
  readonly address: string | undefined;
  readonly port: number;
  readonly raftPort: number;
  /** The cluster the node believes it joins, when it says. */
  readonly clusterId: string | undefined;
  /** The cluster incarnation the node believes it joins (from discovery's cluster record). */
  readonly clusterUuid: string | undefined;
}

const NODE_ID = /^[A-Za-z0-9._-]{1,64}$/;
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

/**
 * Validates the body as the original design sends it: `{node_id, address, port}` with an optional
 * `raft_port` (default `port + 1`). Returns every problem at once, naming the field.
 */
export function parseRegisterNode(body: unknown): RegisterNodeRequest | FieldProblem[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return [
      { field: 'body', reason: 'must be a JSON object {node_id, address, port, raft_port?}' },
    ];
  }
  const record = body as Record<string, unknown>;
  const problems: FieldProblem[] = [];
  const nodeId = record.node_id;
  if (typeof nodeId !== 'string' || !NODE_ID.test(nodeId)) {
    problems.push({
      field: 'node_id',
      reason: 'must be 1-64 characters of letters, digits, ".", "_" or "-"',
    });
  }
  const address = record.address;
  if (
    address !== undefined &&
    (typeof address !== 'string' || address.length === 0 || address.length > 253)
  ) {
    problems.push({ field: 'address', reason: 'must be a host name or IP address' });
  }
  const port = record.port;
  if (!isPort(port)) problems.push({ field: 'port', reason: 'must be an integer in 1..65535' });
  const raftPort = record.raft_port ?? (isPort(port) ? port + 1 : undefined);
  if (!isPort(raftPort))
    problems.push({ field: 'raft_port', reason: 'must be an integer in 1..65535' });
  else if (raftPort === port)
    problems.push({ field: 'raft_port', reason: 'must differ from port' });
  const clusterId = record.cluster_id;
  if (clusterId !== undefined && (typeof clusterId !== 'string' || !NODE_ID.test(clusterId))) {
    problems.push({
      field: 'cluster_id',
      reason: 'must be 1-64 characters of letters, digits, ".", "_" or "-"',
    });
  }
  const clusterUuid = record.cluster_uuid;
  if (
    clusterUuid !== undefined &&
    (typeof clusterUuid !== 'string' || !/^[0-9a-fA-F-]{8,64}$/.test(clusterUuid))
  ) {
    problems.push({ field: 'cluster_uuid', reason: 'must be the uuid of a cluster incarnation' });
  }
  if (problems.length > 0) return problems;
  return {
    nodeId: nodeId as string,
    address: typeof address === 'string' && !WILDCARDS.has(address) ? address : undefined,
    port: port as number,
    raftPort: raftPort as number,
    clusterId: typeof clusterId === 'string' ? clusterId : undefined,
    clusterUuid: typeof clusterUuid === 'string' ? clusterUuid : undefined,
  };
}
