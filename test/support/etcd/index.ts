/**
 * Test support: a real etcd (single member or a cluster) on loopback ports with temporary data,
 * which tests can stop, kill and start again to simulate outages.
 */
export { EtcdNotFoundError, findEtcdBinary } from './etcd-binary';
export { startEtcd, startEtcdCluster } from './start-etcd';
export type { EtcdTestCluster, EtcdTestOptions, EtcdTestServer } from './start-etcd';
