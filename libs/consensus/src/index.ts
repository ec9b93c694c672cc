/** The Raft driver: durable log, peer transport and the loop that runs the pure core. */
export type { PersistedRaftState, RaftLogStore, RaftWriteBatch } from './log-store';
export type { PeerEndpoint, PeerTransport } from './transport';
export type { ApplyOutcome, StateMachine } from './state-machine';
