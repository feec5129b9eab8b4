import type pg from 'pg';
import {
  createSession,
  forgetEndedSessions,
  isLiveSession,
  markAllSessionsEnded,
  markSessionEnded,
} from './store.ts';

/** How long a console session lasts without signing in again. */
const ADMIN_SESSION_HOURS = 12;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The console's sessions, as rows: the cookie holds a session's id (signed), and a session is
 * live while its row is neither ended nor expired, so signing out ends it for every copy of the
 * cookie, and the operator can end every session at once.
 */
export async function startSession(pool: pg.Pool): Promise<{ id: string; expires: Date }> {
  await forgetEndedSessions(pool);
  const session = await createSession(pool, { hours: ADMIN_SESSION_HOURS });
  return { id: session.id, expires: session.expiresAt };
}

export async function sessionIsLive(pool: pg.Pool, id: string): Promise<boolean> {
  if (!UUID.test(id)) return false;
  return isLiveSession(pool, { id });
}

export async function endSession(pool: pg.Pool, id: string): Promise<void> {
  if (UUID.test(id)) await markSessionEnded(pool, { id });
}

/** Ends every console session, this one included; how many were live. */
export function endAllSessions(pool: pg.Pool): Promise<number> {
  return markAllSessionsEnded(pool);
}
