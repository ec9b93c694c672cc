import { DiscoveryConfig, PeerNode } from '@falconmind/config';
import { Discovery } from './discovery';
import { DiscoveryLogger } from './discovery-logger';
import { DiscoveryTimings, resolveDiscoveryTimings } from './discovery-timings';
import { ConsulDiscovery } from './consul.discovery';
import { EtcdDiscovery } from './etcd.discovery';
import { StaticDiscovery } from './static.discovery';

export interface DiscoveryOptions {
  /** Where discovery logs its state changes; the node passes its structured logger. */
  readonly logger: DiscoveryLogger;
  /** `PEER_NODES`: the nodes static discovery lists besides this one. Ignored by etcd and Consul. */
  readonly peers?: readonly PeerNode[];
  /** Overrides of the design's durations (tests shorten them). */
  readonly timings?: Partial<DiscoveryTimings>;
}

/**
 * The discovery the configuration asks for. Nothing is contacted yet (that starts with
 * `start()`), but TLS files are read now: a bad path throws here, at boot.
 */
export function createDiscovery(config: DiscoveryConfig, options: DiscoveryOptions): Discovery {
  const timings = resolveDiscoveryTimings(options.timings);
  switch (config.kind) {
    case 'static':
      return new StaticDiscovery(options.peers ?? [], options.logger);
    case 'etcd':
      return new EtcdDiscovery(config, options.logger, timings);
    case 'consul':
      return new ConsulDiscovery(config, options.logger, timings);
  }
}
