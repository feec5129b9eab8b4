import type pg from 'pg';
import { addDays } from '../dates.ts';
import type { Edition } from '../digest/editions.ts';
import { deliveryQueries as sql } from './queries.ts';

/**
 * The day an edition goes out: a daily edition holds the papers featured on its day, and is
 * sent the next day at each subscriber's hour, when that day's list is complete; a weekly one
 * (keyed by its Monday) goes out in the following week, on each subscriber's weekday.
 */
export function sendDay(edition: Pick<Edition, 'frequency' | 'day'>): string {
  return addDays(edition.day, edition.frequency === 'daily' ? 1 : 7);
}

/**
 * One deliveries row per mailable subscriber of the edition's frequency, in one INSERT …
 * SELECT. Idempotent: a second call adds only subscribers who had no row. Returns the rows added.
 */
export async function fanOut(pool: pg.Pool, edition: Edition, options: { now: boolean }): Promise<number> {
  if (edition.status !== 'ready' || edition.id === undefined) return 0;
  const result = await pool.query(sql.fanOut, [edition.id, sendDay(edition), edition.frequency, options.now]);
  if (options.now) await pool.query(sql.makeEditionDueNow, [edition.id]);
  return result.rowCount ?? 0;
}
