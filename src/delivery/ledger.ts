import type { Queryable } from '../db/transaction.ts';
import { deliveryQueries as sql } from './queries.ts';

/**
 * Writes to the ledger that other rooms make inside their own transactions: the mail then
 * exists exactly when the change that calls for it does.
 */
export async function enqueueConfirmation(client: Queryable, subscriberId: string): Promise<number> {
  const result = await client.query<{ id: number }>(sql.enqueueConfirmation, [subscriberId]);
  return (result.rows[0] as { id: number }).id;
}

export async function cancelPendingDeliveries(client: Queryable, subscriberId: string): Promise<number> {
  const result = await client.query(sql.cancelPendingForSubscriber, [subscriberId]);
  return result.rowCount ?? 0;
}
