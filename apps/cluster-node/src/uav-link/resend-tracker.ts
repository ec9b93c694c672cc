import { COMMAND_MAX_TRIES, commandResendDelayMs } from './backoff';

/** The part of an outbox head the schedule needs. */
export interface OutboxHead {
  readonly uav_id: string;
  readonly command_id: string;
}

/** What the leader must do now for one UAV's head command. */
export type DueAction<H extends OutboxHead> =
  | { readonly kind: 'send'; readonly head: H; readonly attempt: number }
  | { readonly kind: 'flag'; readonly head: H; readonly tries: number };

interface InFlight {
  readonly commandId: string;
  tries: number;
  /** When to send again, or to give up after the last try (epoch ms). */
  nextAt: number;
  flagging: boolean;
}

/**
 * The leader's send schedule for the outbox heads (one command per UAV at a time): a new head is
 * sent at once; an unacknowledged one again after {@link commandResendDelayMs}; after
 * {@link COMMAND_MAX_TRIES} sends and one more wait it is to be flagged, once. Pure: the caller
 * passes the clock and does the sending. Known only to the leader that keeps it: a new leader
 * starts from nothing, so it sends every head at once.
 */
export class ResendTracker {
  private readonly inFlight = new Map<string, InFlight>();

  get size(): number {
    return this.inFlight.size;
  }

  clear(): void {
    this.inFlight.clear();
  }

  /**
   * The actions due at `now` for the current heads of the UAVs that `covers` says the heads were
   * read for (a page of them; all by default), and forgets those of them that have none any more.
   * With `canSend` false (the broker is unreachable) nothing is sent and no try is counted.
   */
  due<H extends OutboxHead>(
    heads: readonly H[],
    now: number,
    canSend: boolean,
    covers: (uavId: string) => boolean = () => true,
  ): DueAction<H>[] {
    const current = new Set(heads.map((head) => head.uav_id));
    for (const uavId of this.inFlight.keys()) {
      if (covers(uavId) && !current.has(uavId)) this.inFlight.delete(uavId);
    }
    const actions: DueAction<H>[] = [];
    for (const head of heads) {
      let sending = this.inFlight.get(head.uav_id);
      if (!sending || sending.commandId !== head.command_id) {
        sending = { commandId: head.command_id, tries: 0, nextAt: now, flagging: false };
        this.inFlight.set(head.uav_id, sending);
      }
      if (now < sending.nextAt || sending.flagging) continue;
      if (sending.tries >= COMMAND_MAX_TRIES) {
        sending.flagging = true;
        actions.push({ kind: 'flag', head, tries: sending.tries });
      } else if (canSend) {
        sending.tries++;
        sending.nextAt = now + commandResendDelayMs(sending.tries);
        actions.push({ kind: 'send', head, attempt: sending.tries });
      }
    }
    return actions;
  }

  /** The flag proposal for this UAV's head ended; if the head is still pending, flag it again. */
  flagEnded(uavId: string): void {
    const sending = this.inFlight.get(uavId);
    if (sending) sending.flagging = false;
  }
}
