import type { Queryable } from '../db/transaction.ts';
import { LATEST_SERVER, RECORD_SERVER_START } from './queries.ts';

/** The servers room's statements as typed functions, `(db, {named params}) => result`. */

/** An HTTP server started now with this PUBLIC_URL (one row per URL, its start time renewed). */
export async function saveServerStart(db: Queryable, p: { publicUrl: string }): Promise<void> {
  await db.query(RECORD_SERVER_START, [p.publicUrl]);
}

/** The HTTP server started last on this database, if any ever started. */
export async function latestServer(
  db: Queryable,
): Promise<{ publicUrl: string; startedAt: Date } | undefined> {
  const { rows } = await db.query<{ public_url: string; started_at: Date }>(LATEST_SERVER);
  const row = rows[0];
  return row ? { publicUrl: row.public_url, startedAt: row.started_at } : undefined;
}
