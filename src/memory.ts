import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what survived the last full collection before the
 * next one. Left to itself it allows up to four times: a worker keeps about 30 MB, but each mail
 * waiting for a connection is promoted before it is sent and dies in the old generation, so the
 * heap reached 130 MB between full collections. Growing by half keeps a worker's peak near
 * 145 MB at the same sending rate (bench:worker-memory; BENCHMARKS.md). V8 reads the flag at
 * every collection, so setting it once the process runs takes effect.
 */
const HEAP_GROWING_PERCENT = 50;

/** For every process that sends a list: the worker, and `paperboy digest send`. */
export function keepHeapGrowthSmall(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
