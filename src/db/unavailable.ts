/**
 * Whether an error means the database cannot be reached right now (down, restarting, sessions
 * terminated, the pool unable to connect), as opposed to a query that is wrong: the first is
 * worth a 503 and a retry, the second is a bug.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  // SQLSTATE class 08 (connection exception) and 57P (operator intervention: terminated, shutting down)
  if (typeof e.code === 'string' && (/^08/.test(e.code) || /^57P0[1-4]$/.test(e.code))) return true;
  if (e.code && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH'].includes(e.code))
    return true;
  return /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|Client has encountered a connection error/i.test(
    e.message ?? '',
  );
}
