import { CreateRaftLogStore1795758517461 } from '../migrations/1795758517461-CreateRaftLogStore';
import { CreateNodeState1795800000000 } from '../migrations/1795800000000-CreateNodeState';
import { CreateNodeIdentity1796000000000 } from '../migrations/1796000000000-CreateNodeIdentity';
import { RAFT_LOG_STORE_ENTITIES } from './typeorm-log-store';

/** The migrations of the node's own tables (log store and replicated node state), in order. */
export const CONSENSUS_MIGRATIONS = [
  CreateRaftLogStore1795758517461,
  CreateNodeState1795800000000,
  CreateNodeIdentity1796000000000,
];

/** The TypeORM entities of the node's own tables. */
export const CONSENSUS_ENTITIES = [...RAFT_LOG_STORE_ENTITIES];
