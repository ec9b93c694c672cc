import { ConfState } from '@falconmind/raft';
import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

import { BIGINT_AS_NUMBER } from './raft-log-entry.entity';

/**
 * Metadata of the latest snapshot, the point the log was compacted to. Table `raft_snapshot`: at most
 * one row, id 1. The state machine image itself lives in the application's own tables.
 */
@Entity({ name: 'raft_snapshot' })
@Check('raft_snapshot_single_row_check', '"id" = 1')
export class RaftSnapshotEntity {
  @PrimaryColumn({ type: 'smallint', primaryKeyConstraintName: 'raft_snapshot_pkey' })
  id!: number;

  @Column({ name: 'index', type: 'bigint', transformer: BIGINT_AS_NUMBER })
  index!: number;

  @Column({ type: 'bigint', transformer: BIGINT_AS_NUMBER })
  term!: number;

  @Column({ name: 'conf_state', type: 'jsonb' })
  confState!: ConfState;
}
