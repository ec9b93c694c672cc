import { RaftError } from './errors';
import { ConfChange, ConfChangeType, ConfState, Entry, NodeId } from './types';

const CONF_CHANGE_TYPES: readonly ConfChangeType[] = ['add-voter', 'add-learner', 'remove-node'];
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Thrown when a conf-change entry cannot be decoded: the log is corrupt. */
export class MalformedConfChangeError extends RaftError {}

export function encodeConfChange(change: ConfChange): Uint8Array {
  return encoder.encode(JSON.stringify(change));
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(data));
  } catch {
    throw new MalformedConfChangeError('conf change entry is not JSON');
  }
  if (typeof value !== 'object' || value === null) {
    throw new MalformedConfChangeError('conf change entry is not an object');
  }
  const { type, nodeId, context } = value as Record<string, unknown>;
  if (typeof type !== 'string' || !CONF_CHANGE_TYPES.includes(type as ConfChangeType)) {
    throw new MalformedConfChangeError(`conf change type ${String(type)} is unknown`);
  }
  if (typeof nodeId !== 'string' || nodeId === '') {
    throw new MalformedConfChangeError('conf change nodeId is missing');
  }
  return {
    type: type as ConfChangeType,
    nodeId,
    context: typeof context === 'string' ? context : undefined,
  };
}

/**
 * Why `change` cannot be applied to `confState`, or undefined if it can. Changes are single-server:
 * each adds, promotes or removes exactly one node, so any two consecutive memberships share a majority.
 */
export function confChangeProblem(confState: ConfState, change: ConfChange): string | undefined {
  const isVoter = confState.voters.includes(change.nodeId);
  const isLearner = confState.learners.includes(change.nodeId);
  switch (change.type) {
    case 'add-voter':
      return isVoter ? `${change.nodeId} is already a voter` : undefined;
    case 'add-learner':
      if (isVoter) return `${change.nodeId} is a voter; remove it first to make it a learner`;
      return isLearner ? `${change.nodeId} is already a learner` : undefined;
    case 'remove-node':
      if (!isVoter && !isLearner) return `${change.nodeId} is not a member`;
      if (isVoter && confState.voters.length === 1) return `${change.nodeId} is the last voter`;
      return undefined;
  }
}

/** The membership after `change`. Call only when {@link confChangeProblem} found none. */
export function applyConfChange(confState: ConfState, change: ConfChange): ConfState {
  const without = (ids: readonly NodeId[]): NodeId[] => ids.filter((id) => id !== change.nodeId);
  switch (change.type) {
    case 'add-voter':
      return {
        voters: [...confState.voters, change.nodeId].sort(),
        learners: without(confState.learners),
      };
    case 'add-learner':
      return {
        voters: [...confState.voters],
        learners: [...confState.learners, change.nodeId].sort(),
      };
    case 'remove-node':
      return { voters: without(confState.voters), learners: without(confState.learners) };
  }
}

/**
 * The log that starts a new cluster: one committed conf-change entry per initial member, in term 1
 * (as etcd bootstraps). Every founding node writes the same entries, and a node that joins later
 * learns the founding membership by replaying them, like any other change.
 */
export function bootstrapEntries(
  confState: ConfState,
  /** Optional host data per member (for example its address), carried in its change's context. */
  contexts: Readonly<Record<NodeId, string>> = {},
): Entry[] {
  const change = (type: ConfChange['type'], nodeId: NodeId): ConfChange =>
    contexts[nodeId] === undefined ? { type, nodeId } : { type, nodeId, context: contexts[nodeId] };
  const changes: ConfChange[] = [
    ...[...confState.voters].sort().map((nodeId) => change('add-voter', nodeId)),
    ...[...confState.learners].sort().map((nodeId) => change('add-learner', nodeId)),
  ];
  return changes.map((c, i) => ({
    term: 1,
    index: i + 1,
    type: 'conf-change',
    data: encodeConfChange(c),
  }));
}
