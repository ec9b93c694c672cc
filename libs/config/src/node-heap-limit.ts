/**
 * The V8 old-generation limit, in MB, that every way of starting a node gives it (the Docker image,
 * `npm start`, `npm run cluster:local`, the benchmark, the tests and chaos runs).
 *
 * Why a limit at all: without one, V8 sizes the heap from the machine's memory and lets it grow
 * well past what a node keeps alive (a node holding 100,000 missions reached 350 MB of RSS on a
 * 24 GiB machine, with 40 MB of live heap). What a node keeps by design fits far below it: missions
 * and UAVs live in PostgreSQL, the Raft log in memory is bounded by the snapshot threshold, the read
 * cache by READ_CACHE_ENTRIES, and telemetry windows are packed outside the heap. Raise it with
 * NODE_OPTIONS=--max-old-space-size=N (docs/performance.md, "Memory").
 */
export const NODE_HEAP_LIMIT_MB = 192;

const HEAP_LIMIT_FLAG = '--max-old-space-size';

/**
 * NODE_OPTIONS for a node process: the options given, with the heap limit added unless they set
 * one of their own.
 */
export function nodeOptionsWithHeapLimit(given: string | undefined): string {
  const options = (given ?? '').trim();
  if (options.split(/\s+/).some((option) => option.startsWith(`${HEAP_LIMIT_FLAG}=`))) {
    return options;
  }
  const limit = `${HEAP_LIMIT_FLAG}=${NODE_HEAP_LIMIT_MB}`;
  return options === '' ? limit : `${options} ${limit}`;
}
