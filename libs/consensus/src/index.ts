/** The Raft driver: durable log, peer transport and the loop that runs the pure core. */
export type { PersistedRaftState, RaftLogStore, RaftWriteBatch } from './log-store';
export type { PeerEndpoint, PeerTransport } from './transport';
export type { ApplyOutcome, StateMachine } from './state-machine';
export { RaftDriver } from './raft-driver';
export type { Applied, RaftDriverOptions } from './raft-driver';
export { DriverStoppedError, NoLeaderError, OutcomeUnknownError } from './driver-errors';
export { decodeEnvelope, encodeEnvelope, MalformedEnvelopeError } from './proposal-envelope';
export type { ProposalEnvelope } from './proposal-envelope';
export { MonotonicTicker } from './ticker';
export { CorruptRaftLogError } from './log-store';
export { TypeormLogStore, RAFT_LOG_STORE_ENTITIES } from './typeorm-log-store';
export { FileLogStore, LOG_FILE_NAME } from './file-log-store';
export { readLogFile } from './log-file-state';
export { RAFT_LOG_DIRECTORY } from './node/node-log-store';
export * from './grpc';
export { TypeormStateMachine } from './typeorm-state-machine';
export type { CommitTail } from './apply-transaction';
export type { CommandApplier, CommittedCommand } from './typeorm-state-machine';
export { decodeMemberAddress, encodeMemberAddress } from './cluster-members';
export type { ClusterMember, MemberAddress } from './cluster-members';
export { CONSENSUS_ENTITIES, CONSENSUS_MIGRATIONS } from './node-migrations';
export {
  ClusterNodeRuntime,
  MembershipConflictError,
  NotClusterLeaderError,
} from './node/cluster-node-runtime';
export type {
  ClusterNodeRuntimeOptions,
  ClusterStatus,
  MemberStatus,
} from './node/cluster-node-runtime';
export { CLUSTER_SECRET_HEADER } from './node/join-cluster';
export { FileSnapshotStore, MemorySnapshotStore, writeSnapshotImage } from './snapshot-store';
export type { SnapshotImageWriter, SnapshotStore } from './snapshot-store';
export type { ClusterFormation, FormationDecision, FoundingVoter } from './node/cluster-formation';
export { ClusterIdentityError } from './node/node-identity';
export type { NodeIdentity } from './node/node-identity';
