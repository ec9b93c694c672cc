/** Injection token of the node's ClusterNodeRuntime. */
export const CLUSTER_RUNTIME = Symbol('ClusterNodeRuntime');
/** Injection token of the node's TypeORM DataSource. */
export const NODE_DATA_SOURCE = Symbol('NodeDataSource');
/** Injection token of the node's logger. */
export const NODE_LOGGER = Symbol('NodeLogger');
/** Injection token of the node's Discovery (static, etcd or Consul). */
export const NODE_DISCOVERY = Symbol('NodeDiscovery');
