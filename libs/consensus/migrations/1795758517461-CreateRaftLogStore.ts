import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The durable Raft state of this node (see TypeormLogStore): the log after the latest snapshot, the
 * hard state, and the latest snapshot's metadata. The two single-row tables are pinned to id 1.
 */
export class CreateRaftLogStore1795758517461 implements MigrationInterface {
  name = 'CreateRaftLogStore1795758517461';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "raft_log" (
        "index" bigint NOT NULL,
        "term" bigint NOT NULL,
        "type" smallint NOT NULL,
        "data" bytea NOT NULL,
        CONSTRAINT "raft_log_pkey" PRIMARY KEY ("index"),
        CONSTRAINT "raft_log_type_check" CHECK ("type" IN (0, 1))
      )
    `);
    await queryRunner.query(`
      CREATE TABLE "raft_hard_state" (
        "id" smallint NOT NULL,
        "term" bigint NOT NULL,
        "vote" text NOT NULL,
        "commit" bigint NOT NULL,
        CONSTRAINT "raft_hard_state_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "raft_hard_state_single_row_check" CHECK ("id" = 1)
      )
    `);
    await queryRunner.query(`
      CREATE TABLE "raft_snapshot" (
        "id" smallint NOT NULL,
        "index" bigint NOT NULL,
        "term" bigint NOT NULL,
        "conf_state" jsonb NOT NULL,
        CONSTRAINT "raft_snapshot_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "raft_snapshot_single_row_check" CHECK ("id" = 1)
      )
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "raft_snapshot"`);
    await queryRunner.query(`DROP TABLE "raft_hard_state"`);
    await queryRunner.query(`DROP TABLE "raft_log"`);
  }
}
