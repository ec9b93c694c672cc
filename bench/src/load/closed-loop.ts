import { epochMs, sleep } from '../clock';
import { AttemptRecord, LoadJob, LoadResult } from './load-protocol';
import { missionDocument } from './mission-document';
import { StoreClient } from './store-client';

/**
 * Pause after a failed request, before a retry on the next member or the next request: a member that
 * refuses at once would otherwise be hammered by a client spinning on errors.
 */
const PAUSE_AFTER_FAILURE_MS = 10;
const KEPT_ERROR_SAMPLES = 5;

/**
 * Runs one job: `clients` closed loops against `client` until the duration or the operation count
 * is reached, or `shouldStop()` says so (the orchestrator ends a background load).
 */
export async function runClosedLoop(
  job: LoadJob,
  client: StoreClient,
  shouldStop: () => boolean,
): Promise<LoadResult> {
  const startedAt = epochMs();
  const deadline = job.durationMs === undefined ? Infinity : startedAt + job.durationMs;
  const latenciesMs: number[] = [];
  const attempts: AttemptRecord[] = [];
  const acknowledgedKeys: string[] = [];
  const errorSamples = new Set<string>();
  let claimed = 0;
  let succeeded = 0;
  let failed = 0;

  const finished = (): boolean =>
    shouldStop() ||
    epochMs() >= deadline ||
    (job.totalOps !== undefined && claimed >= job.totalOps);

  const noteError = (error: unknown): void => {
    failed++;
    if (errorSamples.size < KEPT_ERROR_SAMPLES)
      errorSamples.add(error instanceof Error ? error.message : String(error));
  };

  const attempt = async (member: number, key: string, document: string): Promise<boolean> => {
    const started = epochMs();
    try {
      if (job.operation === 'write')
        await client.write(member, key, document, job.attemptTimeoutMs);
      else
        await client.read(member, key, job.operation === 'read-linearizable', job.attemptTimeoutMs);
      if (job.retryUntilAcknowledged) attempts.push([started, epochMs(), 1]);
      return true;
    } catch (error) {
      if (job.retryUntilAcknowledged) attempts.push([started, epochMs(), 0]);
      noteError(error);
      return false;
    }
  };

  const runClient = async (clientIndex: number): Promise<void> => {
    let member =
      job.firstEndpoint === 'spread'
        ? clientIndex % client.memberCount
        : job.firstEndpoint % client.memberCount;
    let readCursor = clientIndex;
    while (!finished()) {
      const sequence = claimed++;
      const key =
        job.operation === 'write'
          ? `${job.keyPrefix}-${sequence}`
          : (job.readKeys ?? [])[readCursor++ % (job.readKeys?.length ?? 1)];
      const document =
        job.operation === 'write'
          ? missionDocument(key, job.uavIds[sequence % job.uavIds.length])
          : '';
      const started = epochMs();
      let ok = await attempt(member, key, document);
      while (!ok && job.retryUntilAcknowledged && !shouldStop()) {
        member = (member + 1) % client.memberCount;
        await sleep(PAUSE_AFTER_FAILURE_MS);
        ok = await attempt(member, key, document);
      }
      if (!ok) {
        await sleep(PAUSE_AFTER_FAILURE_MS);
        continue;
      }
      succeeded++;
      latenciesMs.push(epochMs() - started);
      if (job.operation === 'write') acknowledgedKeys.push(key);
    }
  };

  await Promise.all(Array.from({ length: job.clients }, (_, index) => runClient(index)));
  return {
    succeeded,
    failed,
    elapsedMs: epochMs() - startedAt,
    latenciesMs,
    attempts,
    acknowledgedKeys,
    errorSamples: [...errorSamples],
  };
}
