/**
 * Discovery: who exists (static `PEER_NODES`, etcd or Consul). Only Raft decides who is a member.
 */
export type {
  AnnouncedRole,
  ClusterRecord,
  DiscoveredNode,
  Discovery,
  DiscoveryHealth,
  DiscoveryKind,
  InitialVoter,
  NodeAnnouncement,
  NodeListListener,
  NodeStatus,
} from './discovery';
export { ANNOUNCED_ROLES, isAnnouncedRole } from './discovery';
export type { DiscoveryLogger } from './discovery-logger';
export type { DiscoveryTimings } from './discovery-timings';
export { DEFAULT_DISCOVERY_TIMINGS, resolveDiscoveryTimings } from './discovery-timings';
export {
  CorruptClusterRecordError,
  DiscoveryNotRunningError,
  DiscoveryUnsupportedError,
} from './discovery-errors';
export { EtcdTlsFileError } from './etcd-client';
export { CONSUL_SERVICE_NAME } from './consul-service';
export { createDiscovery } from './create-discovery';
export type { DiscoveryOptions } from './create-discovery';
