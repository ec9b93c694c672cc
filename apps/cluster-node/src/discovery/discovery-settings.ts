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
 * Discovery timings for `DISCOVERY_TIME_SCALE`. It scales the node's own clocks (the etcd lease,
 * which etcd enforces as given; the Consul TTL passes, resyncs and blocking waits; retries), never
 * the durations it registers with a Consul agent (check interval, timeout, TTL, deregistration):
 * an agent runs those on its own clock, which a test agent scales alike.
 */
export function discoveryTimings(scale: number): Partial<DiscoveryTimings> {
  if (scale === 1) return {};
  const d = DEFAULT_DISCOVERY_TIMINGS;
  const ms = (value: number) => Math.max(1, Math.round(value * scale));
  return {
    etcdLeaseTtlSeconds: Math.max(1, Math.round(d.etcdLeaseTtlSeconds * scale)),
    consulTtlPassIntervalMs: ms(d.consulTtlPassIntervalMs),
    consulResyncIntervalMs: ms(d.consulResyncIntervalMs),
    consulBlockingWaitMs: ms(d.consulBlockingWaitMs),
    retryMinMs: ms(d.retryMinMs),
    retryMaxMs: ms(d.retryMaxMs),
    startTimeoutMs: ms(d.startTimeoutMs),
  };
}
