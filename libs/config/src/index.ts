/**
 * The cluster node's configuration: read from the environment, validated once at start, provided
 * to Nest under {@link NODE_CONFIG}.
 */
export {
  LOG_LEVELS,
  NODE_CONFIG_DEFAULTS,
  PLANTED_NODE_BUGS,
  RAFT_LOG_STORES,
} from './node-config';
export type {
  LogLevel,
  NodeConfig,
  PeerNode,
  PlantedNodeBug,
  RaftLogStoreKind,
} from './node-config';
export { DISCOVERY_KINDS } from './discovery-config';
export type {
  ConsulDiscoveryConfig,
  DiscoveryConfig,
  DiscoveryKind,
  EtcdDiscoveryConfig,
  EtcdTlsFiles,
  StaticDiscoveryConfig,
} from './discovery-config';
export { DEFAULT_MQTT_TOPIC_ROOT } from './mqtt-config';
export type { MqttConfig } from './mqtt-config';
export { loadNodeConfig } from './load-node-config';
export { NODE_HEAP_LIMIT_MB, nodeOptionsWithHeapLimit } from './node-heap-limit';
export type { Environment } from './load-node-config';
export {
  ConfigValidationError,
  formatConfigError,
  formatConfigProblem,
} from './config-validation-error';
export type { ConfigProblem } from './config-validation-error';
export { InjectNodeConfig, NODE_CONFIG, NodeConfigModule } from './node-config.module';
