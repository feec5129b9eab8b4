-- A subscriber's history also shows each change of their digest's settings (frequency, day, hour,
-- time zone, keywords, papers per digest), old value and new, so an operator can see when a
-- reader's digest changed and how. The trigger stays the one writer of the history.

ALTER TABLE subscriber_events DROP CONSTRAINT subscriber_events_event_check;
ALTER TABLE subscriber_events ADD CONSTRAINT subscriber_events_event_check CHECK (event IN
  ('subscribed', 'confirmed', 'unsubscribed', 'resubscribed', 'suppressed', 'unsuppressed', 'paused', 'resumed',
   'timezone_reset', 'preferences_changed'));

-- "frequency: daily → weekly" for one setting, when it changed; NULL otherwise.
CREATE FUNCTION describe_setting_change(setting text, old_value text, new_value text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN old_value IS DISTINCT FROM new_value
    THEN setting || ': ' || coalesce(old_value, 'none') || ' → ' || coalesce(new_value, 'none') END
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
  changed := concat_ws('; ',
    describe_setting_change('frequency', OLD.frequency, NEW.frequency),
    describe_setting_change('weekday', OLD.weekday::text, NEW.weekday::text),
    describe_setting_change('hour', OLD.delivery_hour::text, NEW.delivery_hour::text),
    describe_setting_change('time zone', OLD.timezone, NEW.timezone),
    describe_setting_change('keywords', nullif(array_to_string(OLD.keywords, ', '), ''), nullif(array_to_string(NEW.keywords, ', '), '')),
    describe_setting_change('keyword mode', OLD.keyword_mode, NEW.keyword_mode),
    describe_setting_change('papers', OLD.max_papers::text, NEW.max_papers::text));
  IF changed <> '' THEN
    INSERT INTO subscriber_events (subscriber_id, event, detail) VALUES (NEW.id, 'preferences_changed', changed);
  END IF;
  RETURN NEW;
END $$;
