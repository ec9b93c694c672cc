import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The events applied commands produced (libs/fleet/src/events): written by FleetApplier in the
 * entry's transaction, identically on every node, read by the node's live event streams and by
 * clients resuming after a reconnect. `data` is json, not jsonb, so it keeps the key order it was
 * written with; it round-trips through snapshots like the other fleet tables.
 */
export class CreateFleetEvents1796100000000 implements MigrationInterface {
  name = 'CreateFleetEvents1796100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "fleet_events" (
        "log_index" bigint NOT NULL,
        "position" integer NOT NULL,
        "type" text NOT NULL,
        "data" json NOT NULL,
        CONSTRAINT "fleet_events_pkey" PRIMARY KEY ("log_index", "position"),
        CONSTRAINT "fleet_events_position_check" CHECK ("position" >= 0)
      )
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "fleet_events"`);
  }
}
