/** Every SQL statement of the servers room: what the running HTTP servers say about themselves. */

/** $1 public_url: an HTTP server started with that PUBLIC_URL now. */
export const RECORD_SERVER_START = `
  INSERT INTO http_servers (public_url) VALUES ($1)
  ON CONFLICT (public_url) DO UPDATE SET started_at = now()`;

/** The PUBLIC_URL of the HTTP server started last on this database, if any. */
export const LATEST_SERVER = `
  SELECT public_url, started_at FROM http_servers ORDER BY started_at DESC LIMIT 1`;
