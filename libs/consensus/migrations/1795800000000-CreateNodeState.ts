import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The replicated state every node keeps beside its log: the applied index (written in the same
 * transaction as what it applies) and the cluster's members with their addresses, as the log's
 * membership changes recorded them.
 */
export class CreateNodeState1795800000000 implements MigrationInterface {
  name = 'CreateNodeState1795800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "raft_applied_state" (
        "id" smallint NOT NULL,
        "applied_index" bigint NOT NULL,
        CONSTRAINT "raft_applied_state_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "raft_applied_state_single_row_check" CHECK ("id" = 1)
      )
    `);
    await queryRunner.query(`
      CREATE TABLE "cluster_members" (
        "node_id" text NOT NULL,
        "role" text NOT NULL,
        "address" text,
        "http_port" integer,
        "raft_port" integer,
        "changed_index" bigint NOT NULL,
        CONSTRAINT "cluster_members_pkey" PRIMARY KEY ("node_id"),
        CONSTRAINT "cluster_members_role_check" CHECK ("role" IN ('voter', 'learner'))
      )
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "cluster_members"`);
    await queryRunner.query(`DROP TABLE "raft_applied_state"`);
  }
}
