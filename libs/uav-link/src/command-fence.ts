/**
 * The UAV's side of fenced dispatch. A UAV keeps two numbers (and should keep them across its own
 * restarts): the last command sequence number it executed and the highest leader term it has seen.
 *
 * - A command stamped with a term below the highest seen comes from a deposed leader: it is ignored
 *   and NOT acknowledged (the current leader holds the same command in the replicated outbox and
 *   sends it itself; an acknowledgement here would stop that).
 * - A command whose seq is at or below the last executed one is a repeat (a resend after a lost
 *   acknowledgement, or a new leader resending what it could not know was done): it is not executed
 *   again, only acknowledged again.
 * - Anything else is executed, and its seq becomes the last executed.
 *
 * The cluster sends each UAV one command at a time, in seq order (the next only once the previous
 * one is acknowledged or given up on), so "at or below the last executed" means "already done", or
 * skipped if the cluster gave up on it (the cluster then ignores a `duplicate` for it).
 */

/** What to do with a received command. */
export type FenceVerdict = 'execute' | 'duplicate' | 'stale_term';

/** The fence's state, to persist. */
export interface FenceState {
  readonly lastExecutedSeq: number;
  readonly highestTerm: number;
}

export class CommandFence {
  private lastExecutedSeq: number;
  private highestTerm: number;

  constructor(state: FenceState = { lastExecutedSeq: 0, highestTerm: 0 }) {
    this.lastExecutedSeq = state.lastExecutedSeq;
    this.highestTerm = state.highestTerm;
  }

  /** Decides on a command and records it: call once per received command. */
  admit(command: { readonly seq: number; readonly term: number }): FenceVerdict {
    if (command.term < this.highestTerm) return 'stale_term';
    this.highestTerm = command.term;
    if (command.seq <= this.lastExecutedSeq) return 'duplicate';
    this.lastExecutedSeq = command.seq;
    return 'execute';
  }

  state(): FenceState {
    return { lastExecutedSeq: this.lastExecutedSeq, highestTerm: this.highestTerm };
  }
}
