-- Where the HTTP servers on this database build their links (PUBLIC_URL), written at each start:
-- a command run with another PUBLIC_URL (a shell without PORT) warns before it mails links that
-- point nowhere (src/servers/public-url.ts).
CREATE TABLE http_servers (
  public_url text PRIMARY KEY CHECK (length(public_url) BETWEEN 1 AND 2000),
  started_at timestamptz NOT NULL DEFAULT now()
);
