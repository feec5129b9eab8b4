import type { Queryable } from '../db/transaction.ts';
import { mailQueueQueries as sql } from './queries.ts';

/** Queues the confirmation mail of a subscription request, in the caller's transaction. */
/**
 * The end of another room's statement that queues a confirmation for each row of its `requests`
 * (subscribers/queries.ts `subscribe`): the request and its mail are one statement's work.
 */
export const QUEUE_CONFIRMATIONS_OF_REQUESTS = sql.queueConfirmations;

export async function enqueueConfirmation(
  client: Queryable,
  subscriberId: string,
  requestId: string,
): Promise<number> {
  const result = await client.query<{ id: number }>(sql.enqueueConfirmation, [subscriberId, requestId]);
  return (result.rows[0] as { id: number }).id;
}

/** Mail to the subscriber not sent yet will not be: they left. */
export async function cancelPendingDeliveries(client: Queryable, subscriberId: string): Promise<number> {
  const result = await client.query(sql.cancelPendingForSubscriber, [subscriberId]);
  return result.rowCount ?? 0;
}
