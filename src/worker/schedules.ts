import cron, { type ScheduledTask } from 'node-cron';
import { ingestDays, recentDays } from '../papers/ingest.ts';
import { paperSourceFor } from '../papers/source-for.ts';
import type { Services } from '../services.ts';
import { PostgresRunCoordinator } from './run-coordinator.ts';

/** The timed jobs of a worker: ingesting papers (INGEST_CRON). */
export function startSchedules(services: Services): { stop(): Promise<void> } {
  const { config, db, log } = services;
  const runCoordinator = new PostgresRunCoordinator(db.pool);
  const source = paperSourceFor('hf', config, log);
  const tasks: ScheduledTask[] = [
    cron.schedule(
      config.ingestCron,
      async () => {
        await ingestDays(db.pool, source, recentDays(), log);
      },
      { name: 'ingest', timezone: 'UTC', noOverlap: true, runCoordinator },
    ),
  ];
  log.info({ ingest: config.ingestCron }, 'schedules started');
  return {
    async stop() {
      for (const task of tasks) await task.destroy();
    },
  };
}
