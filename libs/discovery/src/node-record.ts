import { NodeAnnouncement, NodeStatus, isAnnouncedRole } from './discovery';
import { asObject, nonEmptyString, parseJson, portNumber, wholeNumber } from './json-fields';

/** A node's announcement with its current status: what etcd stores as a registration's value. */
export interface NodeRecord extends NodeAnnouncement {
  readonly status: NodeStatus;
  /** When the record was written (ISO 8601); tells a reader how fresh the status is. */
  readonly updatedAt: string;
}

export function encodeNodeRecord(self: NodeAnnouncement, status: NodeStatus): string {
  const record: NodeRecord = {
    nodeId: self.nodeId,
    clusterId: self.clusterId,
    httpAddress: self.httpAddress,
    httpPort: self.httpPort,
    raftAddress: self.raftAddress,
    raftPort: self.raftPort,
    version: self.version,
    status: { role: status.role, ready: status.ready, term: status.term },
    updatedAt: new Date().toISOString(),
  };
  return JSON.stringify(record);
}

/** Reads a status from untrusted JSON; `undefined` when any field is missing or of the wrong type. */
export function decodeNodeStatus(value: unknown): NodeStatus | undefined {
  const fields = asObject(value);
  if (fields === undefined) return undefined;
  const { role, ready } = fields;
  const term = wholeNumber(fields.term);
  if (!isAnnouncedRole(role) || typeof ready !== 'boolean' || term === undefined) return undefined;
  return { role, ready, term };
}

/** Reads a stored registration; `undefined` when it is not one this software wrote. */
export function decodeNodeRecord(text: string): NodeRecord | undefined {
  const fields = asObject(parseJson(text));
  if (fields === undefined) return undefined;
  const nodeId = nonEmptyString(fields.nodeId);
  const clusterId = nonEmptyString(fields.clusterId);
  const httpAddress = nonEmptyString(fields.httpAddress);
  const httpPort = portNumber(fields.httpPort);
  const raftAddress = nonEmptyString(fields.raftAddress);
  const raftPort = portNumber(fields.raftPort);
  const version = typeof fields.version === 'string' ? fields.version : undefined;
  const status = decodeNodeStatus(fields.status);
  const updatedAt = typeof fields.updatedAt === 'string' ? fields.updatedAt : '';
  if (
    nodeId === undefined ||
    clusterId === undefined ||
    httpAddress === undefined ||
    httpPort === undefined ||
    raftAddress === undefined ||
    raftPort === undefined ||
    version === undefined ||
    status === undefined
  ) {
    return undefined;
  }
  return {
    nodeId,
    clusterId,
    httpAddress,
    httpPort,
    raftAddress,
    raftPort,
    version,
    status,
    updatedAt,
  };
}
