import { Entry } from '@falconmind/raft';

/** What applying one entry produced, handed back to the request that proposed it. */
export type ApplyOutcome =
  | { readonly status: 'applied'; readonly result?: unknown }
  | { readonly status: 'rejected'; readonly reason: string };

/**
 * The replicated application (hashicorp's FSM). `apply` runs the committed entries in one database
 * transaction that also stores the applied index, so a crash can neither skip nor repeat a command:
 * on restart the driver hands over again only entries after `appliedIndex()`.
 */
export interface StateMachine {
  appliedIndex(): Promise<number>;
  /**
   * Applies `entries` (consecutive, starting right after the applied index) atomically, and gives
   * their outcomes once the batch is durable.
   *
   * `decided`, if given, may be called once with the same outcomes as soon as they are known, before
   * the batch is durable (while its transaction commits). They are final all the same: the entries
   * are committed in the Raft log, which a quorum holds on disk, and applying is deterministic, so a
   * crash before the batch is durable applies them again, on restart, to the same outcomes. The
   * driver answers proposals from them; it moves the applied index, which reads wait for, only
   * when `apply` returns.
   */
  apply(
    entries: readonly Entry[],
    decided?: (outcomes: readonly ApplyOutcome[]) => void,
  ): Promise<readonly ApplyOutcome[]>;
  /**
   * Writes a consistent image of the state at the applied index to `sink`, a chunk at a time (the
   * whole image is never held in memory), and returns that index.
   */
  snapshot(sink: (chunk: Uint8Array) => Promise<void>): Promise<number>;
  /** Replaces the whole state with the image read from `image`, taken at `index`, in one transaction. */
  restore(index: number, image: AsyncIterable<Uint8Array>): Promise<void>;
}
