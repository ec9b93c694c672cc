import { Workload } from './workload-context';
import { measureLoad } from './measure-load';

/** Reads served by the member asked, from its own state, without asking the leader. */
export const staleReads: Workload = {
  title: 'Stale / local reads',
  description:
    'Closed-loop clients (64) spread over all members read existing keys: FalconMind consistency=stale, etcd serializable get.',
  async run(context) {
    const { measurement } = await measureLoad(context, {
      operation: 'read-stale',
      clients: context.plan.readClients,
      durationMs: context.plan.readDurationMs,
      keyPrefix: `${context.keyPrefix}-stale`,
      readKeys: context.readKeys,
      firstEndpoint: 'spread',
      attemptTimeoutMs: 10_000,
      retryUntilAcknowledged: false,
    });
    return measurement;
  },
};
