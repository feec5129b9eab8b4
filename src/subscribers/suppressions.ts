import type pg from 'pg';
import type { Queryable } from '../db/transaction.ts';
import type { Suppression } from './store.ts';
import * as store from './store.ts';

export type { Suppression };

/**
 * Addresses no mail goes to: hard bounces, complaints, and SOFT_BOUNCE_LIMIT digests in a row
 * undeliverable. The sender's recorder writes these in batches with the outcomes that call for
 * them; the bounce webhook and the admin API one at a time.
 */
export async function suppressAddresses(
  client: Queryable,
  entries: Array<{ subscriberId: string; reason: string }>,
): Promise<void> {
  if (entries.length === 0) return;
  await store.suppress(client, { suppressions: entries });
}

/** One soft bounce per entry (a subscriber may appear more than once); suppresses at the limit. */
export async function countSoftBounces(
  client: Queryable,
  subscriberIds: string[],
  limit: number,
): Promise<void> {
  if (subscriberIds.length === 0) return;
  const counts = new Map<string, number>();
  for (const id of subscriberIds) counts.set(id, (counts.get(id) ?? 0) + 1);
  await store.countSoftBounces(client, { bounces: counts, limit });
}

/** Delivered digests end their subscribers' runs of soft bounces. */
export async function resetSoftBounces(client: Queryable, subscriberIds: string[]): Promise<void> {
  if (subscriberIds.length === 0) return;
  await store.resetSoftBounces(client, { subscriberIds });
}

/** For reports that name an address rather than a mail. */
export async function subscriberIdByEmail(client: Queryable, email: string): Promise<string | undefined> {
  return store.idByEmail(client, { email: email.trim() });
}

/** Addresses no mail goes to, most recent first. */
export function listSuppressions(pool: pg.Pool, limit: number): Promise<Suppression[]> {
  return store.listSuppressions(pool, { limit });
}

/**
 * Takes an address off the suppression list (a bounce that was the relay's fault, a complaint
 * withdrawn). Its soft-bounce count starts again; digests of editions already sent while it was
 * suppressed are not sent after the fact. False if the address was not suppressed.
 */
export function liftSuppression(pool: pg.Pool, email: string): Promise<boolean> {
  return store.liftSuppression(pool, { email });
}
