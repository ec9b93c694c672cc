import { Workload } from './workload-context';
import { measureLoad } from './measure-load';

/** One client, one write at a time, to the leader: the latency of a single durable commit. */
export const sequentialWrites: Workload = {
  title: 'Sequential writes (1 client)',
  description:
    'One client writes ~300-byte documents one after another to the leader: FalconMind POST /missions with a client mission_id, etcd put of the same JSON.',
  async run(context) {
    const leader = await context.system.leaderIndex();
    const { measurement } = await measureLoad(context, {
      operation: 'write',
      clients: 1,
      totalOps: context.plan.sequentialWrites,
      keyPrefix: `${context.keyPrefix}-seq`,
      firstEndpoint: leader,
      attemptTimeoutMs: 10_000,
      retryUntilAcknowledged: false,
    });
    return measurement;
  },
};
