-- Editions that survive the real feed: ingest anomalies, editions built from what was stored,
-- and time zones PostgreSQL knows.

-- An ingest whose answer would have emptied a day that has papers (an empty list, or only
-- invalid items) stores nothing and is kept as an anomaly: error says what happened.
ALTER TABLE ingest_runs ADD COLUMN anomaly boolean NOT NULL DEFAULT false;
ALTER TABLE ingest_runs ADD CONSTRAINT ingest_runs_anomaly_has_error CHECK (NOT anomaly OR error IS NOT NULL);

-- What the operator is told about how an edition was built, when it was not the usual way
-- (built from what was stored because no ingest after the day's end succeeded in time, or
-- rebuilt by hand); NULL otherwise.
ALTER TABLE editions ADD COLUMN build_note text;

-- A subscriber whose time zone PostgreSQL does not know (Node accepted zones such as
-- US/Pacific-New that PostgreSQL's tz database lacks) is moved to UTC, and their history says so.
ALTER TABLE subscriber_events DROP CONSTRAINT subscriber_events_event_check;
ALTER TABLE subscriber_events ADD CONSTRAINT subscriber_events_event_check CHECK (event IN
  ('subscribed', 'confirmed', 'unsubscribed', 'resubscribed', 'suppressed', 'unsuppressed', 'paused', 'resumed',
   'timezone_reset'));

WITH unknown AS (
  SELECT id, timezone FROM subscribers
  WHERE timezone NOT IN (SELECT name FROM pg_timezone_names)
), reset AS (
  UPDATE subscribers s SET timezone = 'UTC', updated_at = now()
  FROM unknown u WHERE s.id = u.id
  RETURNING s.id, u.timezone AS was
)
INSERT INTO subscriber_events (subscriber_id, event, detail)
SELECT id, 'timezone_reset', was || ' is not a time zone PostgreSQL knows; now UTC' FROM reset;
