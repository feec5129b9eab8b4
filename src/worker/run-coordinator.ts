import type { RunCoordinator } from 'node-cron';
import type pg from 'pg';
import { claimFire, forgetOldFires } from './store.ts';

/**
 * node-cron's hook for several processes sharing one schedule: every worker's timer fires,
 * and the one whose INSERT of the fire's key wins runs the job. node-cron's key holds the
 * task name and the scheduled time, so each fire runs exactly once across all workers.
 */
export class PostgresRunCoordinator implements RunCoordinator {
  constructor(private readonly pool: pg.Pool) {}

  async shouldRun(key: string): Promise<boolean> {
    await forgetOldFires(this.pool);
    return claimFire(this.pool, { key });
  }
}
