import type pg from 'pg';
import type { Logger } from 'pino';
import { isoDay } from '../dates.ts';
import { fanOut } from '../delivery/fan-out.ts';
import type { Edition, Editions } from '../digest/editions.ts';
import { FREQUENCIES, type Frequency, ruleOf } from '../frequency.ts';

/**
 * What the edition schedule does each time it fires: build the daily editions of the past week
 * that may be built and are not (or are empty), last week's weekly one and last month's monthly one, and fan out what is
 * ready. Fan-out is idempotent, so the hourly runs after the first only add subscribers who
 * confirmed since; a filled edition's readers whose hour has passed are due at once.
 */
export async function publishRecentEditions(deps: {
  pool: pg.Pool;
  editions: Editions;
  log: Logger;
  now?: Date;
}): Promise<Array<{ edition: Edition; added: number }>> {
  const today = isoDay(deps.now ?? new Date());
  const targets = FREQUENCIES.flatMap((frequency) =>
    ruleOf(frequency)
      .lookedAfter(today)
      .map((day): [Frequency, string] => [frequency, day]),
  );
  const published = [];
  for (const [frequency, date] of targets) {
    const { edition, created } = await deps.editions.build(frequency, date, deps.now);
    if (created) {
      const fields = {
        frequency,
        day: edition.day,
        papers: edition.papers.length,
        empty: edition.emptyReason,
      };
      if (edition.buildNote) deps.log.warn({ ...fields, note: edition.buildNote }, edition.buildNote);
      else deps.log.info(fields, 'edition built');
    }
    const added = await fanOut(deps.pool, edition, { now: false });
    if (added > 0) deps.log.info({ frequency, day: edition.day, added }, 'edition fanned out');
    published.push({ edition, added });
  }
  return published;
}
