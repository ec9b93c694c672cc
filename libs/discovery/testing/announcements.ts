import { NodeAnnouncement, NodeStatus } from '../src/discovery';

/** Test-only: the announcement of a made-up node `nodeId` of `clusterId` on loopback ports. */
export function announcement(
  clusterId: string,
  nodeId: string,
  httpPort = 18080,
  httpAddress = '127.0.0.1',
): NodeAnnouncement {
  return {
    nodeId,
    clusterId,
    httpAddress,
    httpPort,
    raftAddress: httpAddress,
    raftPort: httpPort + 1,
    version: '0.1.0-test',
  };
}

/** Test-only: the status every node starts with. */
export const STARTING: NodeStatus = { role: 'starting', ready: false, term: 0 };
