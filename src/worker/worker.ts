import type { Services } from '../services.ts';
import { startSchedules } from './schedules.ts';

/**
 * The background half of Paperboy: the timed jobs (ingest) and the sender loop that works
 * through the deliveries ledger. Any number of workers may run against one database; they
 * share work through row locks, leases and one row per scheduled fire.
 */
export interface Worker {
  stop(): Promise<void>;
}

export function startWorker(services: Services): Worker {
  const schedules = startSchedules(services);
  services.sender.start();
  services.log.info({ mail: services.transport.description }, 'worker started');
  return {
    async stop() {
      await schedules.stop();
      await services.sender.stop();
      services.log.info('worker stopped');
    },
  };
}
