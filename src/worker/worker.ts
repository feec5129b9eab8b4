import type { Services } from '../services.ts';

/**
 * The background half of Paperboy: the sender loop that works through the deliveries
 * ledger. Any number of workers may run against one database; they share work through
 * row locks and leases only.
 */
export interface Worker {
  stop(): Promise<void>;
}

export function startWorker(services: Services): Worker {
  services.sender.start();
  services.log.info({ mail: services.transport.description }, 'worker started');
  return {
    async stop() {
      await services.sender.stop();
      services.log.info('worker stopped');
    },
  };
}
