/**
 * The load generator: a process of its own, forked by the orchestrator, so that its CPU is not
 * counted as (nor taken from) the node it measures. It runs one job at a time and answers with the
 * raw latencies; all statistics are computed by the orchestrator.
 */
import { EtcdClient } from './etcd-client';
import { FalconMindClient } from './falconmind-client';
import { runClosedLoop } from './closed-loop';
import { FromGenerator, LoadJob, ToGenerator } from './load-protocol';
import { StoreClient } from './store-client';

let stopRequested = false;

function reply(message: FromGenerator): void {
  process.send?.(message);
}

function clientFor(job: LoadJob): StoreClient {
  return job.target.system === 'falconmind'
    ? new FalconMindClient(job.target.urls)
    : new EtcdClient(job.target.endpoints);
}

async function run(job: LoadJob): Promise<void> {
  stopRequested = false;
  const client = clientFor(job);
  try {
    const result = await runClosedLoop(job, client, () => stopRequested);
    reply({ kind: 'result', result });
  } catch (error) {
    reply({
      kind: 'failed',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  } finally {
    client.close();
  }
}

if (!process.send) {
  process.stderr.write(
    'the load generator is started by the benchmark (npm run bench), not by hand\n',
  );
  process.exit(2);
}

process.on('message', (message: ToGenerator) => {
  if (message.kind === 'run') void run(message.job);
  else if (message.kind === 'stop') stopRequested = true;
  else process.exit(0);
});
// The orchestrator died without saying goodbye: nothing left to measure for.
process.on('disconnect', () => process.exit(0));
reply({ kind: 'ready' });
