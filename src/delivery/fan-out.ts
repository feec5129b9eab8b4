import type pg from 'pg';
import type { Edition } from '../digest/editions.ts';
import { ruleOf } from '../frequency.ts';
import { addDigestDeliveries, makeEditionDueNow } from './store.ts';

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
  const added = await addDigestDeliveries(pool, {
    editionId: edition.id,
    sendDay: sendDay(edition),
    frequency: edition.frequency,
    dueNow: options.now,
    readerDay: ruleOf(edition.frequency).readerDay,
  });
  if (options.now) await makeEditionDueNow(pool, { editionId: edition.id });
  return added;
}
