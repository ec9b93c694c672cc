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
  /** Applies `entries` (consecutive, starting right after the applied index) atomically. */
  apply(entries: readonly Entry[]): Promise<readonly ApplyOutcome[]>;
  /** A consistent image of the state at the applied index. */
  snapshot(): Promise<{ readonly index: number; readonly data: Uint8Array }>;
  /** Replaces the whole state with `data`, taken at `index`, in one transaction. */
  restore(index: number, data: Uint8Array): Promise<void>;
}
