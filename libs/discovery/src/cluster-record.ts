import { ClusterRecord, InitialVoter } from './discovery';
import { CorruptClusterRecordError } from './discovery-errors';
import { asObject, nonEmptyString, parseJson, portNumber } from './json-fields';

export function encodeClusterRecord(record: ClusterRecord): string {
  const stored: ClusterRecord = {
    clusterUuid: record.clusterUuid,
    initialVoters: record.initialVoters.map((voter) => ({
      nodeId: voter.nodeId,
      httpAddress: voter.httpAddress,
      httpPort: voter.httpPort,
      raftAddress: voter.raftAddress,
      raftPort: voter.raftPort,
    })),
    createdAt: record.createdAt,
  };
  return JSON.stringify(stored);
}

function decodeVoter(value: unknown): InitialVoter | undefined {
  const fields = asObject(value);
  if (fields === undefined) return undefined;
  const nodeId = nonEmptyString(fields.nodeId);
  const httpAddress = nonEmptyString(fields.httpAddress);
  const httpPort = portNumber(fields.httpPort);
  const raftAddress = nonEmptyString(fields.raftAddress);
  const raftPort = portNumber(fields.raftPort);
  if (
    nodeId === undefined ||
    httpAddress === undefined ||
    httpPort === undefined ||
    raftAddress === undefined ||
    raftPort === undefined
  ) {
    return undefined;
  }
  return { nodeId, httpAddress, httpPort, raftAddress, raftPort };
}

/**
 * Reads a stored cluster record. Throws `CorruptClusterRecordError` naming `where` when it is not
 * one this software wrote: bootstrapping from a guess could split the cluster, so the node must stop.
 */
export function decodeClusterRecord(text: string, where: string): ClusterRecord {
  const fields = asObject(parseJson(text));
  if (fields === undefined) throw new CorruptClusterRecordError(where, 'not a JSON object');
  const clusterUuid = nonEmptyString(fields.clusterUuid);
  const createdAt = nonEmptyString(fields.createdAt);
  if (clusterUuid === undefined) throw new CorruptClusterRecordError(where, 'no clusterUuid');
  if (createdAt === undefined) throw new CorruptClusterRecordError(where, 'no createdAt');
  if (!Array.isArray(fields.initialVoters) || fields.initialVoters.length === 0) {
    throw new CorruptClusterRecordError(where, 'initialVoters is not a non-empty list');
  }
  const initialVoters: InitialVoter[] = [];
  fields.initialVoters.forEach((value: unknown, index) => {
    const voter = decodeVoter(value);
    if (voter === undefined) {
      throw new CorruptClusterRecordError(where, `initialVoters[${index}] is not a voter`);
    }
    initialVoters.push(voter);
  });
  return { clusterUuid, initialVoters, createdAt };
}
