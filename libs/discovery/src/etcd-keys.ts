/**
 * Where a cluster lives in etcd: `/falconmind/<clusterId>/nodes/<nodeId>` holds each registration
 * (under its node's lease), `/falconmind/<clusterId>/cluster` the cluster record.
 */
export class EtcdKeys {
  constructor(readonly clusterId: string) {}

  /** Prefix of every registration of the cluster (ends with a slash so `a` never matches `ab`). */
  get nodesPrefix(): string {
    return `/falconmind/${this.clusterId}/nodes/`;
  }

  node(nodeId: string): string {
    return `${this.nodesPrefix}${nodeId}`;
  }

  get cluster(): string {
    return `/falconmind/${this.clusterId}/cluster`;
  }
}
