import { EntryType } from '@falconmind/raft';
import { Check, Column, Entity, PrimaryColumn, ValueTransformer } from 'typeorm';

/**
 * Reads a PostgreSQL `bigint` (which pg returns as a string) as a number. Raft indexes and terms stay
 * far below 2^53; a larger value means the row was not written by us, so it is rejected, not rounded.
 */
export const BIGINT_AS_NUMBER: ValueTransformer = {
  to: (value: number | undefined) => value,
  from: (value: string | null) => (value === null ? value : bigintToNumber(value)),
};

export function bigintToNumber(value: string): number {
  const result = Number(value);
  if (!Number.isSafeInteger(result)) {
    throw new RangeError(`bigint ${value} does not fit a JavaScript number exactly`);
  }
  return result;
}

/** How an entry's type is stored: a smallint, so the log's rows stay small. */
export const ENTRY_TYPE_CODE: Readonly<Record<EntryType, number>> = {
  normal: 0,
  'conf-change': 1,
};

const ENTRY_TYPE_BY_CODE: readonly EntryType[] = ['normal', 'conf-change'];

export function entryTypeOfCode(code: number): EntryType {
  const type = ENTRY_TYPE_BY_CODE[code];
  if (type === undefined) throw new RangeError(`unknown raft log entry type code ${code}`);
  return type;
}

const ENTRY_TYPE: ValueTransformer = {
  to: (type: EntryType) => ENTRY_TYPE_CODE[type],
  from: entryTypeOfCode,
};

/** One Raft log entry after the latest snapshot. Table `raft_log`, keyed by the entry's index. */
@Entity({ name: 'raft_log' })
@Check('raft_log_type_check', '"type" IN (0, 1)')
export class RaftLogEntryEntity {
  @PrimaryColumn({
    name: 'index',
    type: 'bigint',
    primaryKeyConstraintName: 'raft_log_pkey',
    transformer: BIGINT_AS_NUMBER,
  })
  index!: number;

  @Column({ type: 'bigint', transformer: BIGINT_AS_NUMBER })
  term!: number;

  /** 0 = normal, 1 = conf-change (see {@link ENTRY_TYPE_CODE}). */
  @Column({ type: 'smallint', transformer: ENTRY_TYPE })
  type!: EntryType;

  @Column({ type: 'bytea' })
  data!: Buffer;
}
