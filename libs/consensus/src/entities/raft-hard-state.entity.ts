import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

import { BIGINT_AS_NUMBER } from './raft-log-entry.entity';

/** The Raft hard state (term, vote, commit). Table `raft_hard_state`: at most one row, id 1. */
@Entity({ name: 'raft_hard_state' })
@Check('raft_hard_state_single_row_check', '"id" = 1')
export class RaftHardStateEntity {
  @PrimaryColumn({ type: 'smallint', primaryKeyConstraintName: 'raft_hard_state_pkey' })
  id!: number;

  @Column({ type: 'bigint', transformer: BIGINT_AS_NUMBER })
  term!: number;

  /** The node voted for in `term`; '' for none. */
  @Column({ type: 'text' })
  vote!: string;

  @Column({ type: 'bigint', transformer: BIGINT_AS_NUMBER })
  commit!: number;
}
