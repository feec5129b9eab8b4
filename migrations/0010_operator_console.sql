-- What the operator console shows and the data requests it answers.

-- Every ingest of a day, kept for the console (src/papers/ingest.ts writes it).
CREATE TABLE ingest_runs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  day date NOT NULL,
  source text NOT NULL,
  new_count integer,
  updated_count integer,
  unchanged_count integer,
  skipped_count integer,
  -- set when the day could not be stored; the counts are then NULL
  error text,
  started_at timestamptz NOT NULL,
  finished_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((error IS NULL) = (new_count IS NOT NULL))
);
CREATE INDEX ingest_runs_started ON ingest_runs (started_at DESC);

-- A subscriber's history: each change of status, suppression or pause, written by a trigger so
-- that no path that changes a subscriber can forget it. Holds no personal data of its own; it
-- goes with the subscriber when they are erased.
CREATE TABLE subscriber_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subscriber_id uuid NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
  event text NOT NULL CHECK (event IN
    ('subscribed', 'confirmed', 'unsubscribed', 'resubscribed', 'suppressed', 'unsuppressed', 'paused', 'resumed')),
  detail text,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscriber_events_subscriber ON subscriber_events (subscriber_id, at);
CREATE INDEX subscriber_events_at ON subscriber_events (at);

CREATE FUNCTION record_subscriber_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO subscriber_events (subscriber_id, event) VALUES (NEW.id, 'subscribed');
    -- a row that starts past pending was imported (paperboy subscribers import)
    IF NEW.status = 'active' THEN
      INSERT INTO subscriber_events (subscriber_id, event, detail) VALUES (NEW.id, 'confirmed', 'imported');
    ELSIF NEW.status = 'unsubscribed' THEN
      INSERT INTO subscriber_events (subscriber_id, event, detail) VALUES (NEW.id, 'unsubscribed', 'imported');
    END IF;
    IF NEW.suppressed_at IS NOT NULL THEN
      INSERT INTO subscriber_events (subscriber_id, event, detail) VALUES (NEW.id, 'suppressed', NEW.suppression_reason);
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    INSERT INTO subscriber_events (subscriber_id, event) VALUES (NEW.id, CASE
      WHEN NEW.status = 'active' AND OLD.status = 'unsubscribed' THEN 'resubscribed'
      WHEN NEW.status = 'active' THEN 'confirmed'
      WHEN NEW.status = 'unsubscribed' THEN 'unsubscribed'
      ELSE 'subscribed' END);
  END IF;
  IF NEW.suppressed_at IS NOT NULL AND OLD.suppressed_at IS NULL THEN
    INSERT INTO subscriber_events (subscriber_id, event, detail) VALUES (NEW.id, 'suppressed', NEW.suppression_reason);
  ELSIF NEW.suppressed_at IS NULL AND OLD.suppressed_at IS NOT NULL THEN
    INSERT INTO subscriber_events (subscriber_id, event) VALUES (NEW.id, 'unsuppressed');
  END IF;
  IF NEW.paused_until IS DISTINCT FROM OLD.paused_until THEN
    INSERT INTO subscriber_events (subscriber_id, event, detail) VALUES (NEW.id,
      CASE WHEN NEW.paused_until IS NULL THEN 'resumed' ELSE 'paused' END,
      CASE WHEN NEW.paused_until IS NULL THEN NULL ELSE 'until ' || to_char(NEW.paused_until AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"') END);
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER subscribers_history AFTER INSERT OR UPDATE ON subscribers
  FOR EACH ROW EXECUTE FUNCTION record_subscriber_events();

-- The history of subscribers already here starts with what their row says.
INSERT INTO subscriber_events (subscriber_id, event, at)
SELECT id, 'subscribed', created_at FROM subscribers;
INSERT INTO subscriber_events (subscriber_id, event, at)
SELECT id, 'confirmed', confirmed_at FROM subscribers WHERE confirmed_at IS NOT NULL;
INSERT INTO subscriber_events (subscriber_id, event, at)
SELECT id, 'unsubscribed', unsubscribed_at FROM subscribers WHERE unsubscribed_at IS NOT NULL;
INSERT INTO subscriber_events (subscriber_id, event, detail, at)
SELECT id, 'suppressed', suppression_reason, suppressed_at FROM subscribers WHERE suppressed_at IS NOT NULL;

-- Addresses no mail may go to that have no subscriber row: an erased subscriber who had bounced
-- or complained, or an address the operator suppressed or imported. Only a keyed hash is kept
-- (HMAC-SHA256 of the lower-cased address under a key derived from SECRET_KEY,
-- src/subscribers/address-hash.ts), so the list holds no address, yet a later subscribe of the
-- same address is recognised and gets no mail.
CREATE TABLE suppressed_addresses (
  address_hash bytea PRIMARY KEY,
  reason text NOT NULL,
  suppressed_at timestamptz NOT NULL DEFAULT now()
);
