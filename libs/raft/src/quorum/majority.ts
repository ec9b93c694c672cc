import { NodeId } from '../types';

export type VoteResult = 'pending' | 'won' | 'lost';

/** Descending order that also copes with ±Infinity. */
function descending(a: number, b: number): number {
  return a === b ? 0 : a > b ? -1 : 1;
}

/** Smallest number of voters that forms a majority. */
export function majoritySize(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * The highest value that a majority of `voters` has reached, given each voter's value (an index, a
 * tick). With no voters, nothing is reached: 0.
 */
export function majorityValue(
  voters: ReadonlySet<NodeId>,
  valueOf: (id: NodeId) => number,
): number {
  if (voters.size === 0) return 0;
  const values = [...voters].map(valueOf).sort(descending);
  return values[majoritySize(voters.size) - 1];
}

/** The outcome of an election among `voters`, given the votes received so far. */
export function majorityVoteResult(
  voters: ReadonlySet<NodeId>,
  votes: ReadonlyMap<NodeId, boolean>,
): VoteResult {
  const needed = majoritySize(voters.size);
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const vote = votes.get(id);
    if (vote === undefined) missing++;
    else if (vote) granted++;
  }
  if (granted >= needed) return 'won';
  if (granted + missing >= needed) return 'pending';
  return 'lost';
}

/** Whether the members for which `answered` holds include a majority of `voters`. */
export function hasMajority(
  voters: ReadonlySet<NodeId>,
  answered: (id: NodeId) => boolean,
): boolean {
  let count = 0;
  for (const id of voters) if (answered(id)) count++;
  return count >= majoritySize(voters.size);
}
