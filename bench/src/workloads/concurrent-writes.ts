import { Workload } from './workload-context';
import { measureLoad } from './measure-load';

/** Many clients writing at once, to the leader: throughput with batching (group commit) at work. */
export const concurrentWrites: Workload = {
  title: 'Concurrent writes',
  description:
    'Closed-loop clients (64) write ~300-byte documents to the leader for a fixed time (20 s; 4 s quick).',
  async run(context) {
    const leader = await context.system.leaderIndex();
    const { measurement } = await measureLoad(context, {
      operation: 'write',
      clients: context.plan.concurrentClients,
      durationMs: context.plan.concurrentDurationMs,
      keyPrefix: `${context.keyPrefix}-conc`,
      firstEndpoint: leader,
      attemptTimeoutMs: 10_000,
      retryUntilAcknowledged: false,
    });
    return measurement;
  },
};
