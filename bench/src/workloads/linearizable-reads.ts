import { Workload } from './workload-context';
import { measureLoad } from './measure-load';

/** Reads that must see every write acknowledged before them: ReadIndex on both systems. */
export const linearizableReads: Workload = {
  title: 'Linearizable reads',
  description:
    'Closed-loop clients (64) spread over all members read existing keys: FalconMind GET /missions/:id?consistency=linearizable, etcd default (linearizable) get.',
  async run(context) {
    const { measurement } = await measureLoad(context, {
      operation: 'read-linearizable',
      clients: context.plan.readClients,
      durationMs: context.plan.readDurationMs,
      keyPrefix: `${context.keyPrefix}-lin`,
      readKeys: context.readKeys,
      firstEndpoint: 'spread',
      attemptTimeoutMs: 10_000,
      retryUntilAcknowledged: false,
    });
    return measurement;
  },
};
