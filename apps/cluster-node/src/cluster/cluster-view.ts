import { ClusterStatus, MemberStatus } from '@falconmind/consensus';

/** `host:port` of a member's HTTP API, as the original design's `address` fields show it. */
function hostPort(address: string | undefined, port: number | undefined): string | null {
  if (!address || !port) return null;
  return `${address.includes(':') ? `[${address}]` : address}:${port}`;
}

function roleOf(member: MemberStatus): 'leader' | 'follower' | 'learner' {
  if (member.isLeader) return 'leader';
  return member.suffrage === 'learner' ? 'learner' : 'follower';
}

/** One member as the API shows it: the original fields, then what the Raft status adds. */
export function memberView(member: MemberStatus): Record<string, unknown> {
  return {
    node_id: member.nodeId,
    address: hostPort(member.address, member.httpPort),
    role: roleOf(member),
    status: member.status,
    suffrage: member.suffrage,
    raft_port: member.raftPort ?? null,
    match_index: member.matchIndex ?? null,
    lag: member.lag ?? null,
    last_contact_ms: member.lastContactMs ?? null,
  };
}

/** `GET /cluster/info`. */
export function clusterInfoView(status: ClusterStatus): Record<string, unknown> {
  return {
    node_id: status.nodeId,
    cluster_uuid: status.clusterUuid ?? null,
    address: hostPort(status.advertisedAddress, status.httpPort),
    leader: status.leaderId || null,
    leader_address: hostPort(status.leader?.address, status.leader?.httpPort),
    is_leader: status.role === 'leader',
    role: status.role,
    term: status.term,
    commit_index: status.commitIndex,
    applied_index: status.appliedIndex,
    last_index: status.lastIndex,
    snapshot_index: status.snapshotIndex,
    is_member: status.isMember,
    nodes: status.members.map(memberView),
  };
}
