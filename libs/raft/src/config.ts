import { RaftError } from './errors';
import { RaftLogger, SILENT_LOGGER } from './logger';
import { RandomSource } from './random';
import { Storage } from './storage';
import { NO_NODE, NodeId } from './types';

/** Thrown when a {@link RaftConfig} is invalid; the message names the field and what was expected. */
export class RaftConfigError extends RaftError {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`raft config: ${field} ${reason}`);
  }
}

export interface RaftConfig {
  /** This node's identity. Must not be empty. */
  readonly id: NodeId;
  /**
   * The durable state the host has persisted: hard state, log, latest snapshot. The core only reads it;
   * the host writes to it after persisting each `Ready`.
   */
  readonly storage: Storage;
  /**
   * Ticks a follower waits without hearing from a leader before it campaigns. The actual timeout is
   * randomised in [electionTicks, 2 * electionTicks) so that split votes are rare. Default 10. Must
   * exceed `heartbeatTicks`.
   */
  readonly electionTicks?: number;
  /** Ticks between the leader's heartbeats. Default 1. */
  readonly heartbeatTicks?: number;
  /**
   * Run a pre-vote round before raising the term, so that a node that was cut off cannot disrupt a
   * healthy cluster when it comes back (Raft thesis §9.6). Default true.
   */
  readonly preVote?: boolean;
  /**
   * A leader that has not heard from a quorum within an election timeout steps down, and followers
   * that hear from a leader ignore votes for that long (thesis §6.2). Default true. Lease reads need it.
   */
  readonly checkQuorum?: boolean;
  /** Upper bound, in bytes of entry data, of one append message; one entry is always sent. Default 1 MiB. */
  readonly maxSizePerMsg?: number;
  /** Append messages in flight to one follower before the leader waits for acknowledgements. Default 256. */
  readonly maxInflightMsgs?: number;
  /** Bytes of entry data in flight to one follower before the leader waits. 0: no limit. Default 32 MiB. */
  readonly maxInflightBytes?: number;
  /**
   * How many ticks before the end of its lease a leader stops serving lease reads, to absorb clock drift
   * and tick granularity. Default 2. Lease reads are safe only while every node's ticks advance at the
   * same rate, within this margin per election timeout.
   */
  readonly leaseMarginTicks?: number;
  /** Randomises election timeouts. Inject a seeded source for reproducible simulations. */
  readonly random: RandomSource;
  readonly logger?: RaftLogger;
}

export interface ResolvedRaftConfig {
  readonly id: NodeId;
  readonly storage: Storage;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly maxSizePerMsg: number;
  readonly maxInflightMsgs: number;
  readonly maxInflightBytes: number;
  readonly leaseMarginTicks: number;
  readonly random: RandomSource;
  readonly logger: RaftLogger;
}

function positiveInteger(field: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new RaftConfigError(field, `must be a positive integer, got ${value}`);
  }
  return value;
}

/** Fills defaults and rejects bad values and bad combinations, naming the field. */
export function resolveRaftConfig(config: RaftConfig): ResolvedRaftConfig {
  if (config.id === NO_NODE) throw new RaftConfigError('id', 'must not be empty');
  const electionTicks = positiveInteger('electionTicks', config.electionTicks ?? 10);
  const heartbeatTicks = positiveInteger('heartbeatTicks', config.heartbeatTicks ?? 1);
  if (electionTicks <= heartbeatTicks) {
    throw new RaftConfigError(
      'electionTicks',
      `must exceed heartbeatTicks (${heartbeatTicks}), got ${electionTicks}`,
    );
  }
  const maxInflightBytes = config.maxInflightBytes ?? 32 * 1024 * 1024;
  if (!Number.isInteger(maxInflightBytes) || maxInflightBytes < 0) {
    throw new RaftConfigError(
      'maxInflightBytes',
      `must be a non-negative integer, got ${maxInflightBytes}`,
    );
  }
  const leaseMarginTicks = config.leaseMarginTicks ?? 2;
  if (
    !Number.isInteger(leaseMarginTicks) ||
    leaseMarginTicks < 0 ||
    leaseMarginTicks >= electionTicks
  ) {
    throw new RaftConfigError(
      'leaseMarginTicks',
      `must be an integer in [0, electionTicks), got ${leaseMarginTicks}`,
    );
  }
  return {
    id: config.id,
    storage: config.storage,
    electionTicks,
    heartbeatTicks,
    preVote: config.preVote ?? true,
    checkQuorum: config.checkQuorum ?? true,
    maxSizePerMsg: positiveInteger('maxSizePerMsg', config.maxSizePerMsg ?? 1024 * 1024),
    maxInflightMsgs: positiveInteger('maxInflightMsgs', config.maxInflightMsgs ?? 256),
    maxInflightBytes,
    leaseMarginTicks,
    random: config.random,
    logger: config.logger ?? SILENT_LOGGER,
  };
}
