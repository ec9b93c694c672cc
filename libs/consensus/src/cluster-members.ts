import { NodeId } from '@falconmind/raft';

/** Where a member can be reached, as recorded with the change that added it. */
export interface MemberAddress {
  readonly address: string;
  readonly httpPort: number;
  readonly raftPort: number;
}

/** A member as the replicated `cluster_members` table holds it. */
export interface ClusterMember extends Partial<MemberAddress> {
  readonly nodeId: NodeId;
  readonly role: 'voter' | 'learner';
  /** Log index of the change that last touched this member. */
  readonly changedIndex: number;
}

/** The conf-change `context` that carries a member's address. */
export function encodeMemberAddress(address: MemberAddress): string {
  return JSON.stringify({
    address: address.address,
    http_port: address.httpPort,
    raft_port: address.raftPort,
  });
}

/** Reads a member's address from a conf-change context; undefined if there is none or it is malformed. */
export function decodeMemberAddress(context: string | undefined): MemberAddress | undefined {
  if (!context) return undefined;
  try {
    const value = JSON.parse(context) as Record<string, unknown>;
    const { address, http_port: httpPort, raft_port: raftPort } = value;
    if (typeof address !== 'string' || !Number.isInteger(httpPort) || !Number.isInteger(raftPort))
      return undefined;
    return { address, httpPort: httpPort as number, raftPort: raftPort as number };
  } catch {
    return undefined;
  }
}
