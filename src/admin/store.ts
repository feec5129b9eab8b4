import type { Queryable } from '../db/transaction.ts';
import { adminQueries as sql } from './queries.ts';

/**
 * The admin room's statements as typed functions, `(db, {named params}) => result`. Session ids
 * are uuids: a caller passes only one that looks like one (sessions.ts), since PostgreSQL
 * rejects any other text for the column instead of finding no row.
 */

/** Deletes the sessions that ended or expired. */
export async function forgetEndedSessions(db: Queryable): Promise<void> {
  await db.query(sql.forgetEndedSessions);
}

/** A new session lasting `hours`: its id and when it expires. */
export async function createSession(
  db: Queryable,
  p: { hours: number },
): Promise<{ id: string; expiresAt: Date }> {
  const { rows } = await db.query<{ id: string; expires_at: Date }>(sql.startSession, [p.hours]);
  const row = rows[0] as { id: string; expires_at: Date };
  return { id: row.id, expiresAt: row.expires_at };
}

/** Whether the session is neither ended nor expired. */
export async function isLiveSession(db: Queryable, p: { id: string }): Promise<boolean> {
  return ((await db.query(sql.sessionIsLive, [p.id])).rowCount ?? 0) > 0;
}

export async function markSessionEnded(db: Queryable, p: { id: string }): Promise<void> {
  await db.query(sql.endSession, [p.id]);
}

/** Ends every session still open; how many were (an expired one counts too). */
export async function markAllSessionsEnded(db: Queryable): Promise<number> {
  return (await db.query(sql.endAllSessions)).rowCount ?? 0;
}
