import type { Queryable } from '../db/transaction.ts';
import { workerQueries as sql } from './queries.ts';

/** The worker room's statements as typed functions, `(db, {named params}) => result`. */

/** Records a scheduled job's fire under its key; true only for the first worker to record it. */
export async function claimFire(db: Queryable, p: { key: string }): Promise<boolean> {
  const { rowCount } = await db.query(sql.claimFire, [p.key]);
  return (rowCount ?? 0) > 0;
}

/** Drops fires recorded over a week ago: a key names its scheduled time, so none of them comes again. */
export async function forgetOldFires(db: Queryable): Promise<void> {
  await db.query(sql.forgetOldFires);
}
