import { PerformanceObserver, performance } from 'node:perf_hooks';
import { InMemoryCluster } from './in-memory-cluster';

const VOTERS = ['n1', 'n2', 'n3'];
/** Entries proposed before measuring, so the JIT and the log have warmed up. */
const WARM_UP_ENTRIES = 20_000;
/** Entries in the allocation window: small enough to fit the enlarged young generation. */
const ALLOCATION_ENTRIES = 5_000;

export interface CoreMeasurement {
  readonly batchSize: number;
  readonly committedEntries: number;
  readonly seconds: number;
  readonly entriesPerSecond: number;
  /** JavaScript heap allocated per committed entry (all three nodes), in bytes. */
  readonly allocatedBytesPerEntry: number;
  /** False when a garbage collection ran in the window, so the figure undercounts. */
  readonly allocationExact: boolean;
  /** Heap still in use per entry after a full collection (leaks show here), in bytes. */
  readonly retainedBytesPerEntry: number;
}

/** Counts garbage collections, to know whether a heap delta is an allocation count. */
function gcCounter(): { count: () => number; stop: () => void } {
  let collections = 0;
  const observer = new PerformanceObserver((list) => {
    collections += list.getEntries().length;
  });
  observer.observe({ entryTypes: ['gc'] });
  return { count: () => collections, stop: () => observer.disconnect() };
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
}

function runEntries(cluster: InMemoryCluster, batch: Uint8Array[], entries: number): void {
  for (let proposed = 0; proposed < entries; proposed += batch.length) {
    cluster.proposeBatch(batch);
    cluster.stabilize();
  }
}

/**
 * One batch size: throughput over `durationMs` of propose-then-stabilize rounds, then an allocation
 * window. The same payload buffer is proposed every time, so the bytes counted are the core's own
 * (entries, messages, progress), not a host's copies of the data.
 */
export async function measureBatchSize(
  batchSize: number,
  durationMs: number,
  payload: Uint8Array,
  compactEvery: number,
): Promise<CoreMeasurement> {
  const cluster = new InMemoryCluster(VOTERS, 'n1', compactEvery);
  const batch = Array.from({ length: batchSize }, () => payload);
  runEntries(cluster, batch, WARM_UP_ENTRIES);

  const startCount = cluster.committedByLeader;
  const started = performance.now();
  let now = started;
  while (now - started < durationMs) {
    runEntries(cluster, batch, batchSize * 16);
    now = performance.now();
  }
  const committedEntries = cluster.committedByLeader - startCount;
  const seconds = (now - started) / 1000;

  // Let the observer's pending entries arrive before counting from zero.
  await new Promise((resolve) => setImmediate(resolve));
  collectGarbage();
  const counter = gcCounter();
  const before = process.memoryUsage().heapUsed;
  const allocationStart = cluster.committedByLeader;
  runEntries(cluster, batch, ALLOCATION_ENTRIES);
  const after = process.memoryUsage().heapUsed;
  const allocated = cluster.committedByLeader - allocationStart;
  await new Promise((resolve) => setImmediate(resolve));
  const collectionsDuring = counter.count();
  counter.stop();
  collectGarbage();
  const retained = process.memoryUsage().heapUsed;

  return {
    batchSize,
    committedEntries,
    seconds: Math.round(seconds * 1000) / 1000,
    entriesPerSecond: Math.round(committedEntries / seconds),
    allocatedBytesPerEntry: Math.round((after - before) / Math.max(1, allocated)),
    allocationExact: collectionsDuring === 0,
    retainedBytesPerEntry: Math.round((retained - before) / Math.max(1, allocated)),
  };
}
