import type pg from 'pg';
import { subscriberQueries as sql } from './queries.ts';

/** Subscribers by status, suppressed addresses counted apart: the metrics. */
export async function countSubscribers(pool: pg.Pool): Promise<Array<{ status: string; count: number }>> {
  const { rows } = await pool.query<{ status: string; count: number }>(sql.countByStatus);
  return rows;
}
