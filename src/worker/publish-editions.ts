import type pg from 'pg';
import type { Logger } from 'pino';
import { addDays, isoDay } from '../dates.ts';
import { fanOut } from '../delivery/fan-out.ts';
import type { Edition, Editions } from '../digest/editions.ts';
import type { Frequency } from '../frequency.ts';

/**
 * What the edition schedule does each time it fires: build yesterday's daily edition and last
 * week's weekly one if they are not built yet, and fan both out. Fan-out is idempotent, so the
 * hourly runs after the first only add subscribers who confirmed since.
 */
export async function publishRecentEditions(deps: {
  pool: pg.Pool;
  editions: Editions;
  log: Logger;
  now?: Date;
}): Promise<Array<{ edition: Edition; added: number }>> {
  const today = isoDay(deps.now ?? new Date());
  const targets: Array<[Frequency, string]> = [
    ['daily', addDays(today, -1)],
    ['weekly', addDays(today, -7)],
  ];
  const published = [];
  for (const [frequency, date] of targets) {
    const { edition, created } = await deps.editions.build(frequency, date);
    if (created) {
      deps.log.info(
        { frequency, day: edition.day, papers: edition.papers.length, empty: edition.emptyReason },
        'edition built',
      );
    }
    const added = await fanOut(deps.pool, edition, { now: false });
    if (added > 0) deps.log.info({ frequency, day: edition.day, added }, 'edition fanned out');
    published.push({ edition, added });
  }
  return published;
}
