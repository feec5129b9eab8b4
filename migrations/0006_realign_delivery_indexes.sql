-- 0001 and 0004 were edited after they were first applied, so a database migrated before the
-- edits still has their old indexes: a partial (subscriber, edition) unique index, which the
-- fan-out's ON CONFLICT (subscriber_id, edition_id) cannot use, and three indexes written on
-- every delivery that nothing reads any more. This brings such a database to the shape the
-- edited files give a new one; on a new database it changes nothing.

DROP INDEX IF EXISTS deliveries_subscriber;
DROP INDEX IF EXISTS deliveries_edition_status;
DROP INDEX IF EXISTS deliveries_message_id;

DO $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM pg_indexes
    WHERE schemaname = current_schema() AND indexname = 'deliveries_subscriber_edition_key'
      AND indexdef LIKE '% WHERE %'
  ) THEN
    DROP INDEX deliveries_subscriber_edition_key;
    CREATE UNIQUE INDEX deliveries_subscriber_edition_key ON deliveries (subscriber_id, edition_id);
  END IF;
END $$;
