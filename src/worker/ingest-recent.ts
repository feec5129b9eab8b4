import type pg from 'pg';
import type { Logger } from 'pino';
import { addDays, isoDay } from '../dates.ts';
import type { Editions } from '../digest/editions.ts';
import { RECENT_DAILY_EDITIONS } from '../frequency.ts';
import { ingestDays, recentDays } from '../papers/ingest.ts';
import type { PaperSource } from '../papers/sources.ts';

/**
 * What the ingest schedule does each time it fires: ingest yesterday and today (UTC), and every
 * weekday of the past week whose daily edition is still empty, so that a list the source lost
 * for a day or two reaches its edition when the source has it again (the edition schedule then
 * fills the edition and sends it).
 */
export async function ingestRecent(deps: {
  pool: pg.Pool;
  editions: Editions;
  source: PaperSource;
  log: Logger;
  now?: Date;
}) {
  const now = deps.now ?? new Date();
  const late = await deps.editions.emptyDailyWeekdaysSince(addDays(isoDay(now), -RECENT_DAILY_EDITIONS));
  const days = [...new Set([...late, ...recentDays(now)])].sort();
  return ingestDays(deps.pool, deps.source, days, deps.log);
}
