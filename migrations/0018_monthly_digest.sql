-- A monthly digest, as Hugging Face's page ranks a day, a week and a month: editions keyed by the
-- month's first day (src/frequency.ts), sent on the day of the month each reader picks.
ALTER TABLE subscribers DROP CONSTRAINT subscribers_frequency_check;
ALTER TABLE subscribers ADD CONSTRAINT subscribers_frequency_check
  CHECK (frequency IN ('daily', 'weekly', 'monthly'));
-- 1 … 28: every month has the day
ALTER TABLE subscribers ADD COLUMN month_day smallint NOT NULL DEFAULT 1 CHECK (month_day BETWEEN 1 AND 28);
ALTER TABLE editions DROP CONSTRAINT editions_frequency_check;
ALTER TABLE editions ADD CONSTRAINT editions_frequency_check CHECK (frequency IN ('daily', 'weekly', 'monthly'));

-- the history names a change of the day too (0015's list of settings, with month_day)
CREATE OR REPLACE FUNCTION describe_setting_changes(old_row jsonb, new_row jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(string_agg(
    label || ': ' || coalesce(setting_text(old_row -> key), 'none') || ' → ' || coalesce(setting_text(new_row -> key), 'none'),
    '; ' ORDER BY position), '')
  FROM (VALUES
    (1, 'frequency', 'frequency'), (2, 'weekday', 'weekday'), (3, 'month_day', 'day of the month'),
    (4, 'delivery_hour', 'hour'), (5, 'timezone', 'time zone'), (6, 'keywords', 'keywords'),
    (7, 'keyword_mode', 'keyword mode'), (8, 'max_papers', 'papers'), (9, 'personalisation', 'personalisation'),
    (10, 'muted_keywords', 'muted words')
  ) AS settings (position, key, label)
  WHERE new_row ? key AND (old_row -> key) IS DISTINCT FROM (new_row -> key)
$$;
