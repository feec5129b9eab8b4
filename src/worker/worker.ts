import { keepHeapGrowthSmall } from '../memory.ts';
import type { Services } from '../services.ts';
import { startSchedules } from './schedules.ts';

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
  keepHeapGrowthSmall();
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
