import type pg from 'pg';
import { countByStatus } from './store.ts';

/** Subscribers by status, suppressed addresses counted apart: the metrics. */
export function countSubscribers(pool: pg.Pool): Promise<Array<{ status: string; count: number }>> {
  return countByStatus(pool);
}
