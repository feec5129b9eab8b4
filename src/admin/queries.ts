/** Every SQL statement of the admin room: the console's sessions, on admin_sessions (migrations/0014). */
export const adminQueries = {
  /** Sessions that can no longer be used are kept no longer than the next sign-in. */
  forgetEndedSessions: `DELETE FROM admin_sessions WHERE ended_at IS NOT NULL OR expires_at <= now()`,
  /** A session lasting $1 hours. */
  startSession: `
    INSERT INTO admin_sessions (expires_at) VALUES (now() + make_interval(hours => $1))
    RETURNING id, expires_at`,
  sessionIsLive: `SELECT 1 FROM admin_sessions WHERE id = $1 AND ended_at IS NULL AND expires_at > now()`,
  endSession: `UPDATE admin_sessions SET ended_at = now() WHERE id = $1 AND ended_at IS NULL`,
  endAllSessions: `UPDATE admin_sessions SET ended_at = now() WHERE ended_at IS NULL`,
} as const;
