import { NodeConfig } from '@falconmind/config';
import {
  DEFAULT_DISCOVERY_TIMINGS,
  DiscoveryTimings,
  NodeAnnouncement,
} from '@falconmind/discovery';

/** What this node announces: where its HTTP API and Raft transport are reached. */
export function discoveryAnnouncement(config: NodeConfig, version: string): NodeAnnouncement {
  // Configuration validation guarantees an advertised address whenever discovery is not static.
  const address = config.advertiseAddress ?? config.nodeAddress;
  return {
    nodeId: config.nodeId,
    clusterId: config.clusterId,
    httpAddress: address,
    httpPort: config.nodePort,
    raftAddress: address,
    raftPort: config.raftPort,
    version,
  };
}

/**
 * The design's discovery durations, scaled by `DISCOVERY_TIME_SCALE` (tests run against stores
 * whose clocks are scaled the same way). The etcd lease keeps whole seconds, at least one.
 */
export function discoveryTimings(scale: number): Partial<DiscoveryTimings> {
  if (scale === 1) return {};
  const d = DEFAULT_DISCOVERY_TIMINGS;
  const ms = (value: number) => Math.max(1, Math.round(value * scale));
  return {
    etcdLeaseTtlSeconds: Math.max(1, Math.round(d.etcdLeaseTtlSeconds * scale)),
    consulCheckIntervalMs: ms(d.consulCheckIntervalMs),
    consulCheckTimeoutMs: ms(d.consulCheckTimeoutMs),
    consulDeregisterCriticalAfterMs: ms(d.consulDeregisterCriticalAfterMs),
    consulTtlCheckMs: ms(d.consulTtlCheckMs),
    consulTtlPassIntervalMs: ms(d.consulTtlPassIntervalMs),
    consulResyncIntervalMs: ms(d.consulResyncIntervalMs),
    consulBlockingWaitMs: ms(d.consulBlockingWaitMs),
    requestTimeoutMs: Math.max(1000, ms(d.requestTimeoutMs)),
    retryMinMs: ms(d.retryMinMs),
    retryMaxMs: ms(d.retryMaxMs),
    startTimeoutMs: ms(d.startTimeoutMs),
  };
}
