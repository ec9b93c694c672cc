import type { CommandTimestamp } from '../commands';

/**
 * The fleet commands of the UAV link's outbox. Both are idempotent: applying one again (a node
 * proposing the same acknowledgement twice, the broker redelivering it) changes nothing more.
 */

/** A UAV acknowledged a command (`uav/{id}/commands/ack`). */
export interface AckUavCommandCommand {
  readonly type: 'AckUavCommand';
  readonly at: CommandTimestamp;
  readonly command_id: string;
  readonly uav_id: string;
  /** `executed`, or `duplicate` when the UAV had already executed it. */
  readonly status: 'executed' | 'duplicate';
  /**
   * The command's seq as the UAV acknowledged it; an ack whose seq is not the command's is refused.
   * Optional: entries written before it existed carry none.
   */
  readonly seq?: number;
}

/** The leader gave up on a command the UAV never acknowledged: the UAV is flagged (ERROR). */
export interface FlagUavCommandCommand {
  readonly type: 'FlagUavCommand';
  readonly at: CommandTimestamp;
  readonly command_id: string;
  readonly uav_id: string;
  /** How many times the leader sent it. */
  readonly tries: number;
}

export const UAV_COMMAND_ACK_STATUSES = ['executed', 'duplicate'] as const;
