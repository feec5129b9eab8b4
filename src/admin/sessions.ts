import type pg from 'pg';

/** How long a console session lasts without signing in again. */
export const ADMIN_SESSION_HOURS = 12;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Every statement on admin_sessions (migrations/0014). */
const sql = {
  /** Sessions that can no longer be used are kept no longer than the next sign-in. */
  forgetEnded: `DELETE FROM admin_sessions WHERE ended_at IS NOT NULL OR expires_at <= now()`,
  start: `
    INSERT INTO admin_sessions (expires_at) VALUES (now() + make_interval(hours => $1))
    RETURNING id, expires_at`,
  isLive: `SELECT 1 FROM admin_sessions WHERE id = $1 AND ended_at IS NULL AND expires_at > now()`,
  end: `UPDATE admin_sessions SET ended_at = now() WHERE id = $1 AND ended_at IS NULL`,
  endAll: `UPDATE admin_sessions SET ended_at = now() WHERE ended_at IS NULL`,
};

/**
 * The console's sessions, as rows: the cookie holds a session's id (signed), and a session is
 * live while its row is neither ended nor expired, so signing out ends it for every copy of the
 * cookie, and the operator can end every session at once.
 */
export async function startSession(pool: pg.Pool): Promise<{ id: string; expires: Date }> {
  await pool.query(sql.forgetEnded);
  const { rows } = await pool.query<{ id: string; expires_at: Date }>(sql.start, [ADMIN_SESSION_HOURS]);
  const row = rows[0] as { id: string; expires_at: Date };
  return { id: row.id, expires: row.expires_at };
}

export async function sessionIsLive(pool: pg.Pool, id: string): Promise<boolean> {
  if (!UUID.test(id)) return false;
  return ((await pool.query(sql.isLive, [id])).rowCount ?? 0) > 0;
}

export async function endSession(pool: pg.Pool, id: string): Promise<void> {
  if (UUID.test(id)) await pool.query(sql.end, [id]);
}

/** Ends every console session, this one included; how many were live. */
export async function endAllSessions(pool: pg.Pool): Promise<number> {
  return (await pool.query(sql.endAll)).rowCount ?? 0;
}
