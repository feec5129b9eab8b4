import type { Queryable } from '../db/transaction.ts';
import { mailQueueQueries as sql } from './queries.ts';

/**
 * The mail queue's statements as typed functions, `(db, {named params})`. Other rooms call them with
 * their own transaction's client, so a mail is queued exactly when the change that calls for it
 * commits. queueConfirmations is not here: it is the end of the subscribers room's subscribe
 * statement and runs joined to it (subscribers/store.ts).
 */

/** Queues the confirmation mail of a subscription request; returns the delivery's id. */
export async function enqueueConfirmation(
  db: Queryable,
  p: { subscriberId: string; requestId: string },
): Promise<number> {
  const { rows } = await db.query<{ id: number }>(sql.enqueueConfirmation, [p.subscriberId, p.requestId]);
  return (rows[0] as { id: number }).id;
}

/** Mail to the subscriber not sent yet will not be: they left. Returns how many were cancelled. */
export async function cancelPendingForSubscriber(
  db: Queryable,
  p: { subscriberId: string },
): Promise<number> {
  const { rowCount } = await db.query(sql.cancelPendingForSubscriber, [p.subscriberId]);
  return rowCount ?? 0;
}
