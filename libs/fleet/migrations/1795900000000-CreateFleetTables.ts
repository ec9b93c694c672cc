import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The fleet's replicated state (libs/fleet): missions, UAVs and the idempotency keys of processed
 * requests. Written only by FleetApplier, identically on every node; the column types round-trip
 * through JSON so that snapshots copy the tables whole. No foreign keys: a mission may name UAVs
 * that register later, and snapshots restore the tables one by one. Ids sort bytewise (COLLATE "C"),
 * so list order and cursors are the same on every node whatever its database's locale.
 */
export class CreateFleetTables1795900000000 implements MigrationInterface {
  name = 'CreateFleetTables1795900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "missions" (
        "mission_id" text COLLATE "C" NOT NULL,
        "name" text NOT NULL,
        "description" text NOT NULL DEFAULT '',
        "mission_type" text NOT NULL,
        "uav_list" jsonb NOT NULL,
        "payload" jsonb NOT NULL,
        "state" text NOT NULL,
        "progress" double precision NOT NULL DEFAULT 0,
        "priority" integer NOT NULL DEFAULT 0,
        "version" integer NOT NULL,
        "created_at" timestamptz NOT NULL,
        "updated_at" timestamptz NOT NULL,
        "started_at" timestamptz,
        "completed_at" timestamptz,
        "create_hash" text NOT NULL,
        CONSTRAINT "missions_pkey" PRIMARY KEY ("mission_id"),
        CONSTRAINT "missions_mission_type_check"
          CHECK ("mission_type" IN ('SINGLE_UAV', 'MULTI_UAV', 'CLUSTER')),
        CONSTRAINT "missions_state_check"
          CHECK ("state" IN ('PENDING', 'RUNNING', 'PAUSED', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
        CONSTRAINT "missions_progress_check" CHECK ("progress" >= 0 AND "progress" <= 1),
        CONSTRAINT "missions_uav_list_check" CHECK (jsonb_typeof("uav_list") = 'array'),
        CONSTRAINT "missions_version_check" CHECK ("version" >= 1)
      )
    `);
    // The list order (priority first, oldest first, id as the tie-break) and the cursor over it.
    await queryRunner.query(
      `CREATE INDEX "missions_order_idx" ON "missions" ("priority" DESC, "created_at", "mission_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "missions_state_idx" ON "missions" ("state", "priority" DESC, "created_at", "mission_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "missions_mission_type_idx" ON "missions" ("mission_type", "priority" DESC, "created_at", "mission_id")`,
    );
    // `uav_list @> '["uav-1"]'`: the missions of a UAV.
    await queryRunner.query(
      `CREATE INDEX "missions_uav_list_idx" ON "missions" USING gin ("uav_list" jsonb_path_ops)`,
    );

    await queryRunner.query(`
      CREATE TABLE "uavs" (
        "uav_id" text COLLATE "C" NOT NULL,
        "status" text NOT NULL,
        "last_heartbeat" timestamptz,
        "current_mission_id" text COLLATE "C",
        "capabilities" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "metadata" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "position" jsonb,
        "battery" double precision,
        "version" integer NOT NULL,
        "created_at" timestamptz NOT NULL,
        "updated_at" timestamptz NOT NULL,
        CONSTRAINT "uavs_pkey" PRIMARY KEY ("uav_id"),
        CONSTRAINT "uavs_status_check"
          CHECK ("status" IN ('ONLINE', 'IDLE', 'BUSY', 'OFFLINE', 'ERROR')),
        CONSTRAINT "uavs_version_check" CHECK ("version" >= 1)
      )
    `);
    await queryRunner.query(`CREATE INDEX "uavs_status_idx" ON "uavs" ("status", "uav_id")`);
    await queryRunner.query(
      `CREATE INDEX "uavs_current_mission_id_idx" ON "uavs" ("current_mission_id")
       WHERE "current_mission_id" IS NOT NULL`,
    );

    await queryRunner.query(`
      CREATE TABLE "fleet_idempotency" (
        "key" text COLLATE "C" NOT NULL,
        "command_hash" text NOT NULL,
        "outcome" jsonb NOT NULL,
        "applied_index" bigint NOT NULL,
        CONSTRAINT "fleet_idempotency_pkey" PRIMARY KEY ("key")
      )
    `);
    // Old keys are pruned by log index.
    await queryRunner.query(
      `CREATE INDEX "fleet_idempotency_applied_index_idx" ON "fleet_idempotency" ("applied_index")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "fleet_idempotency"`);
    await queryRunner.query(`DROP TABLE "uavs"`);
    await queryRunner.query(`DROP TABLE "missions"`);
  }
}
