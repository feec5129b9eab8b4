-- The delivery engine: suppressed addresses and soft-bounce counting.

ALTER TABLE subscribers
  -- set when mail to the address must stop: a hard bounce, a complaint, or too many soft bounces
  ADD COLUMN suppressed_at timestamptz,
  ADD COLUMN suppression_reason text,
  -- digests in a row that could not be delivered after every retry; reset by a delivered one
  ADD COLUMN soft_bounces integer NOT NULL DEFAULT 0;

DROP INDEX subscribers_active_frequency;
CREATE INDEX subscribers_active_frequency ON subscribers (frequency)
  WHERE status = 'active' AND suppressed_at IS NULL;

-- the edition's deliveries, for progress and summaries
CREATE INDEX deliveries_edition_status ON deliveries (edition_id, status) WHERE edition_id IS NOT NULL;
CREATE UNIQUE INDEX deliveries_message_id ON deliveries (message_id) WHERE message_id IS NOT NULL;
