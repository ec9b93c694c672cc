/**
 * The most entry bytes a batch carries (one proposal more than that goes alone): a follower forwards
 * a batch to its leader in one message, which must stay well under the peer transport's limit, as
 * the leader's appends do (1 MiB by default, the core's `maxSizePerMsg`).
 */
export const MAX_BATCH_BYTES = 1024 * 1024;

/** A proposal waiting for its batch: its entry data and what to do if the core refuses the batch. */
interface PendingProposal {
  readonly data: Uint8Array;
  readonly refused: (error: unknown) => void;
}

/**
 * Gathers the proposals made during one turn of the event loop and hands them to the core together,
 * once the turn's I/O has been handled (`setImmediate`). The core then appends them at once and
 * sends each follower one append message for all of them, where a proposal at a time made one
 * message per entry and follower, one acknowledgement each, and one commit broadcast per
 * acknowledgement (under 64 concurrent writers: four messages per entry per follower).
 *
 * The wait is the rest of the current turn: the requests read in the same turn share a batch, and
 * none waits for a timer.
 */
export class ProposalBatcher {
  private pending: PendingProposal[] = [];
  private scheduled = false;

  /**
   * @param propose hands a batch to the core; throws if the core refuses it (no leader, a transfer
   *   of leadership), in which case every proposal of the batch hears of it through `refused`.
   */
  constructor(
    private readonly propose: (batch: readonly Uint8Array[]) => void,
    private readonly maxBatchBytes = MAX_BATCH_BYTES,
  ) {}

  add(data: Uint8Array, refused: (error: unknown) => void): void {
    this.pending.push({ data, refused });
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Proposes what is pending, in batches of at most `maxBatchBytes`, once the turn is over. */
  private flush(): void {
    this.scheduled = false;
    const pending = this.pending;
    this.pending = [];
    let start = 0;
    while (start < pending.length) {
      let end = start + 1;
      let bytes = pending[start].data.byteLength;
      while (end < pending.length && bytes + pending[end].data.byteLength <= this.maxBatchBytes) {
        bytes += pending[end].data.byteLength;
        end += 1;
      }
      this.proposeBatch(pending.slice(start, end));
      start = end;
    }
  }

  private proposeBatch(batch: readonly PendingProposal[]): void {
    try {
      this.propose(batch.map((proposal) => proposal.data));
    } catch (error) {
      for (const proposal of batch) proposal.refused(error);
    }
  }

  /** Forgets what is pending (the driver stops: every waiter is rejected by it). */
  clear(): void {
    this.pending = [];
  }
}
