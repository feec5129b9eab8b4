import type pg from 'pg';
import type { Logger } from 'pino';
import { addDays, isoDay } from '../dates.ts';
import type { Edition, Editions, Frequency } from '../digest/editions.ts';
import { fanOut } from './fan-out.ts';
import { deliveryQueries as sql } from './queries.ts';
import type { OutcomeCounts, Sender } from './sender.ts';
import type { DeliveryStatus } from './status.ts';

export interface EditionStatus {
  byStatus: Partial<Record<DeliveryStatus, number>>;
  nextDue: Date | null;
}

export async function editionStatus(pool: pg.Pool, editionId: number): Promise<EditionStatus> {
  const { rows } = await pool.query<{ status: string; count: number; next_due: Date | null }>(
    sql.editionProgress,
    [editionId],
  );
  return {
    byStatus: Object.fromEntries(rows.map((row) => [row.status, row.count])),
    nextDue: rows.find((row) => row.next_due)?.next_due ?? null,
  };
}

/**
 * `digest send`: fan the edition out (idempotent), then deliver what is due now, reporting
 * each outcome. Running it again sends nothing twice: rows exist once, and sent rows stay sent.
 */
export async function sendEdition(options: {
  pool: pg.Pool;
  sender: Sender;
  edition: Edition;
  now: boolean;
  onStart?(due: number, added: number): void;
}): Promise<{ added: number; counts: OutcomeCounts }> {
  const { pool, sender, edition } = options;
  const added = await fanOut(pool, edition, { now: options.now });
  const { rows } = await pool.query<{ count: number }>(sql.editionDueNow, [edition.id]);
  options.onStart?.(rows[0]?.count ?? 0, added);
  const counts = await sender.drain(edition.id);
  return { added, counts };
}

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
