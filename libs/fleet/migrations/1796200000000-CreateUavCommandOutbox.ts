import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The replicated command outbox of the UAV link (libs/fleet/src/outbox): one row per command to one
 * UAV, written by FleetApplier when a mission is dispatched, paused, resumed or cancelled, in the
 * entry's transaction, identically on every node. The leader publishes the PENDING rows over MQTT;
 * an acknowledgement (AckUavCommand) or giving up (FlagUavCommand) is itself a command. Ids are
 * derived from the log entry (`<index>-<position in uav_list>`), `seq` counts per UAV from 1.
 */
export class CreateUavCommandOutbox1796200000000 implements MigrationInterface {
  name = 'CreateUavCommandOutbox1796200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "uav_commands" (
        "command_id" text COLLATE "C" NOT NULL,
        "uav_id" text COLLATE "C" NOT NULL,
        "seq" integer NOT NULL,
        "action" text NOT NULL,
        "mission_id" text COLLATE "C" NOT NULL,
        "mission" jsonb,
        "issued_at" timestamptz NOT NULL,
        "log_index" bigint NOT NULL,
        "state" text NOT NULL,
        "ack_status" text,
        "acked_at" timestamptz,
        "flagged_at" timestamptz,
        "tries" integer,
        CONSTRAINT "uav_commands_pkey" PRIMARY KEY ("command_id"),
        CONSTRAINT "uav_commands_uav_seq_key" UNIQUE ("uav_id", "seq"),
        CONSTRAINT "uav_commands_seq_check" CHECK ("seq" >= 1),
        CONSTRAINT "uav_commands_action_check"
          CHECK ("action" IN ('dispatch', 'pause', 'resume', 'cancel')),
        CONSTRAINT "uav_commands_state_check" CHECK ("state" IN ('PENDING', 'ACKED', 'FLAGGED'))
      )
    `);
    // What the leader sends: the pending commands, per UAV in seq order.
    await queryRunner.query(
      `CREATE INDEX "uav_commands_pending_idx" ON "uav_commands" ("uav_id", "seq") WHERE "state" = 'PENDING'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "uav_commands"`);
  }
}
