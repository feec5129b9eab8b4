-- Where the HTTP servers on this database build their links (PUBLIC_URL), written at each start:
-- a command run with another PUBLIC_URL (a shell without PORT) warns before it mails links that
-- point nowhere (src/servers/public-url.ts).
CREATE TABLE http_servers (
  public_url text PRIMARY KEY CHECK (length(public_url) BETWEEN 1 AND 2000),
  started_at timestamptz NOT NULL DEFAULT now()
);

-- Deliveries whose soft bounce arrived as a DSN on the inbound listener (src/inbound/): a relay may
-- report one delivery's trouble more than once (a delay, then the failure; a retry that bounces
-- again), and a delivery counts once towards SOFT_BOUNCE_LIMIT.
CREATE TABLE inbound_soft_bounces (
  delivery_id bigint PRIMARY KEY REFERENCES deliveries (id) ON DELETE CASCADE,
  received_at timestamptz NOT NULL DEFAULT now()
);
