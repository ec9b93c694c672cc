import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which cluster this node's data belongs to: the cluster id and the uuid of the cluster's
 * incarnation, fixed when the node bootstraps or joins. Not replicated: each node keeps its own, so
 * that it never joins a cluster other than the one its log came from.
 */
export class CreateNodeIdentity1796000000000 implements MigrationInterface {
  name = 'CreateNodeIdentity1796000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "node_identity" (
        "id" smallint NOT NULL,
        "cluster_id" text NOT NULL,
        "cluster_uuid" text NOT NULL,
        "recorded_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "node_identity_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "node_identity_single_row_check" CHECK ("id" = 1)
      )
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "node_identity"`);
  }
}
