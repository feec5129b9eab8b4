-- A subscriber's history also shows each change of their digest's settings (frequency, day, hour,
-- time zone, keywords, papers per digest), old value and new, so an operator can see when a
-- reader's digest changed and how. The trigger stays the one writer of the history.

ALTER TABLE subscriber_events DROP CONSTRAINT subscriber_events_event_check;
ALTER TABLE subscriber_events ADD CONSTRAINT subscriber_events_event_check CHECK (event IN
  ('subscribed', 'confirmed', 'unsubscribed', 'resubscribed', 'suppressed', 'unsuppressed', 'paused', 'resumed',
   'timezone_reset', 'preferences_changed'));

-- A setting's value as the history shows it: a list as "a, b", empty as none.
CREATE FUNCTION setting_text(value jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN value IS NULL OR value = 'null'::jsonb THEN NULL
    WHEN jsonb_typeof(value) = 'array' THEN nullif((SELECT string_agg(e, ', ') FROM jsonb_array_elements_text(value) e), '')
    ELSE value #>> '{}' END
$$;

-- "frequency: daily → weekly; keywords: none → vision, agents" for the settings that differ
-- between two versions of a subscriber row, in a fixed order; '' when none does. Read by name from
-- the rows as JSON, so a setting added by a later migration is described once listed here.
CREATE FUNCTION describe_setting_changes(old_row jsonb, new_row jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(string_agg(
    label || ': ' || coalesce(setting_text(old_row -> key), 'none') || ' → ' || coalesce(setting_text(new_row -> key), 'none'),
    '; ' ORDER BY position), '')
  FROM (VALUES
    (1, 'frequency', 'frequency'), (2, 'weekday', 'weekday'), (3, 'delivery_hour', 'hour'),
    (4, 'timezone', 'time zone'), (5, 'keywords', 'keywords'), (6, 'keyword_mode', 'keyword mode'),
    (7, 'max_papers', 'papers'), (8, 'personalisation', 'personalisation'),
    (9, 'muted_keywords', 'muted words')
  ) AS settings (position, key, label)
  WHERE new_row ? key AND (old_row -> key) IS DISTINCT FROM (new_row -> key)
$$;

CREATE OR REPLACE FUNCTION record_subscriber_events() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed text;
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
  changed := describe_setting_changes(to_jsonb(OLD), to_jsonb(NEW));
  IF changed <> '' THEN
    INSERT INTO subscriber_events (subscriber_id, event, detail) VALUES (NEW.id, 'preferences_changed', changed);
  END IF;
  RETURN NEW;
END $$;
