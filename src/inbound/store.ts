import type { Queryable } from '../db/transaction.ts';
import { FIRST_SOFT_BOUNCE } from './queries.ts';

/** The inbound room's statements as typed functions, `(db, {named params}) => result`. */

/**
 * Records that a DSN reported a soft bounce of the delivery; true only the first time, so a
 * relay that reports one mail several times has it counted once.
 */
export async function recordFirstSoftBounce(db: Queryable, p: { deliveryId: number }): Promise<boolean> {
  const { rowCount } = await db.query(FIRST_SOFT_BOUNCE, [p.deliveryId]);
  return (rowCount ?? 0) > 0;
}
