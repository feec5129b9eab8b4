import cron, { type ScheduledTask } from 'node-cron';
import { paperSourceFor } from '../papers/source-for.ts';
import type { Services } from '../services.ts';
import { ingestRecent } from './ingest-recent.ts';
import { publishRecentEditions } from './publish-editions.ts';
import { PostgresRunCoordinator } from './run-coordinator.ts';

/**
 * The timed jobs of a worker, in UTC: ingesting papers (INGEST_CRON), building and fanning
 * out editions (EDITION_CRON), and waking the sender at each minute, when delivery hours
 * begin. With several workers, each fire of the first two runs on exactly one of them
 * (PostgresRunCoordinator); builds and fan-outs are also safe to repeat (unique constraints).
 */
export function startSchedules(services: Services): { stop(): Promise<void> } {
  const { config, db, log, editions, sender } = services;
  const runCoordinator = new PostgresRunCoordinator(db.pool);
  const source = paperSourceFor('hf', config, log);
  const shared = { timezone: 'UTC', noOverlap: true, runCoordinator } as const;
  const tasks: ScheduledTask[] = [
    cron.schedule(
      config.ingestCron,
      async () => {
        await ingestRecent({ pool: db.pool, editions, source, log });
      },
      { name: 'ingest', ...shared },
    ),
    cron.schedule(
      config.editionCron,
      async () => {
        await publishRecentEditions({ pool: db.pool, editions, log });
        sender.wake();
      },
      { name: 'editions', ...shared },
    ),
    // every worker's own sender: no coordination wanted
    cron.schedule('* * * * *', () => sender.wake(), { name: 'sender-wake', timezone: 'UTC' }),
  ];
  log.info({ ingest: config.ingestCron, editions: config.editionCron }, 'schedules started');
  return {
    async stop() {
      for (const task of tasks) await task.destroy();
    },
  };
}
