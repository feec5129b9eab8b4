import type pg from 'pg';
import type { Queryable } from '../db/transaction.ts';
import { subscriberQueries as sql } from './queries.ts';

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
  await client.query(sql.suppress, [entries.map((e) => e.subscriberId), entries.map((e) => e.reason)]);
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
  await client.query(sql.countSoftBounces, [[...counts.keys()], [...counts.values()], limit]);
}

/** Delivered digests end their subscribers' runs of soft bounces. */
export async function resetSoftBounces(client: Queryable, subscriberIds: string[]): Promise<void> {
  if (subscriberIds.length === 0) return;
  await client.query(sql.resetSoftBounces, [subscriberIds]);
}

/** For reports that name an address rather than a mail. */
export async function subscriberIdByEmail(client: Queryable, email: string): Promise<string | undefined> {
  const { rows } = await client.query<{ id: string }>(sql.idByEmail, [email.trim()]);
  return rows[0]?.id;
}

export interface Suppression {
  email: string;
  suppressedAt: Date;
  reason: string | null;
  softBounces: number;
}

/** Addresses no mail goes to, most recent first. */
export async function listSuppressions(pool: pg.Pool, limit: number): Promise<Suppression[]> {
  const { rows } = await pool.query<{
    email: string;
    suppressed_at: Date;
    suppression_reason: string | null;
    soft_bounces: number;
  }>(sql.listSuppressions, [limit]);
  return rows.map((row) => ({
    email: row.email,
    suppressedAt: row.suppressed_at,
    reason: row.suppression_reason,
    softBounces: row.soft_bounces,
  }));
}

/**
 * Takes an address off the suppression list (a bounce that was the relay's fault, a complaint
 * withdrawn). Its soft-bounce count starts again; digests of editions already sent while it was
 * suppressed are not sent after the fact. False if the address was not suppressed.
 */
export async function liftSuppression(pool: pg.Pool, email: string): Promise<boolean> {
  const { rowCount } = await pool.query(sql.liftSuppression, [email]);
  return (rowCount ?? 0) > 0;
}
