import { setFlagsFromString } from 'node:v8';
import type { Services } from '../services.ts';
import { startSchedules } from './schedules.ts';

/**
 * How far V8 lets the old generation grow past what survived the last full collection before the
 * next one. Left to itself it allows up to four times: a worker keeps about 30 MB, but each mail
 * waiting for a connection is promoted before it is sent and dies in the old generation, so the
 * heap reached 130 MB between full collections. Growing by half keeps a worker's peak near
 * 145 MB at the same sending rate (bench:worker-memory; BENCHMARKS.md). V8 reads the flag at
 * every collection, so setting it once the process runs takes effect.
 */
const HEAP_GROWING_PERCENT = 50;

/**
 * The background half of Paperboy: the timed jobs (ingest, editions) and the sender loop that
 * works through the deliveries ledger. Any number of workers may run against one database; they
 * share work through row locks, leases and one row per scheduled fire. The sender belongs to
 * the services: Services.close() stops it, after the worker has stopped its schedules.
 */
export interface Worker {
  stop(): Promise<void>;
}

export function startWorker(services: Services): Worker {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  const schedules = startSchedules(services);
  services.sender.start();
  services.log.info({ mail: services.transport.description }, 'worker started');
  return {
    async stop() {
      await schedules.stop();
      services.log.info('worker schedules stopped; the sender stops with the services');
    },
  };
}
