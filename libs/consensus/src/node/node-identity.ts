import { DataSource } from 'typeorm';

/** The cluster a node's data belongs to (the `node_identity` row). */
export interface NodeIdentity {
  readonly clusterId: string;
  /** The uuid of the cluster's incarnation: a cluster formed again under the same id gets another. */
  readonly clusterUuid: string;
}

/** A node's data belongs to another cluster than the one it is asked to be part of. */
export class ClusterIdentityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClusterIdentityError';
  }
}

/** Reads and records the node's identity in its own database. */
export class NodeIdentityStore {
  constructor(private readonly dataSource: DataSource) {}

  async load(): Promise<NodeIdentity | undefined> {
    const rows = await this.dataSource.query<Array<{ cluster_id: string; cluster_uuid: string }>>(
      'SELECT cluster_id, cluster_uuid FROM node_identity WHERE id = 1',
    );
    return rows.length === 0
      ? undefined
      : { clusterId: rows[0].cluster_id, clusterUuid: rows[0].cluster_uuid };
  }

  /**
   * Records the identity once; recording the same one again is a no-op, a different one is refused
   * (the node's data would then claim two clusters).
   */
  async record(identity: NodeIdentity): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO node_identity (id, cluster_id, cluster_uuid) VALUES (1, $1, $2)
       ON CONFLICT (id) DO NOTHING`,
      [identity.clusterId, identity.clusterUuid],
    );
    const stored = await this.load();
    if (stored?.clusterUuid !== identity.clusterUuid || stored.clusterId !== identity.clusterId) {
      throw new ClusterIdentityError(
        `this node's data belongs to cluster ${stored?.clusterId ?? '?'} (${stored?.clusterUuid ?? '?'}), not ${identity.clusterId} (${identity.clusterUuid})`,
      );
    }
  }
}
