import type pg from 'pg';
import type { Edition } from '../digest/editions.ts';
import { ruleOf } from '../frequency.ts';
import { deliveryQueries as sql } from './queries.ts';

/**
 * The day an edition goes out, before each reader's own day moves it (frequency.ts): a daily
 * edition the day after its day, when that day's list is complete; a weekly one in the week after,
 * a monthly one in the month after.
 */
export function sendDay(edition: Pick<Edition, 'frequency' | 'day'>): string {
  return ruleOf(edition.frequency).sendDay(edition.day);
}

/**
 * One deliveries row per mailable subscriber of the edition's frequency, in one INSERT …
 * SELECT. Idempotent: a second call adds only subscribers who had no row. Returns the rows added.
 */
export async function fanOut(pool: pg.Pool, edition: Edition, options: { now: boolean }): Promise<number> {
  if (edition.status !== 'ready' || edition.id === undefined) return 0;
  const result = await pool.query(sql.fanOut, [
    edition.id,
    sendDay(edition),
    edition.frequency,
    options.now,
    ruleOf(edition.frequency).readerDay,
  ]);
  if (options.now) await pool.query(sql.makeEditionDueNow, [edition.id]);
  return result.rowCount ?? 0;
}
