import type pg from 'pg';
import type { Edition } from '../digest/editions.ts';
import { fanOut } from './fan-out.ts';
import type { OutcomeCounts, Sender } from './sender.ts';
import { countDueNow } from './stats.ts';

/**
 * `digest send`: fan the edition out (idempotent), then deliver what is due now. Running it
 * again sends nothing twice: rows exist once, and sent rows stay sent.
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
  options.onStart?.(await countDueNow(pool, edition.id as number), added);
  const counts = await sender.drain(edition.id);
  return { added, counts };
}
