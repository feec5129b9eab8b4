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

-- Every index on deliveries is written twice per mail (claimed, then sent): the sender's speed
-- depends on keeping them few. Bounce reports find their delivery by the id inside the
-- Message-ID (src/delivery/bounces.ts), so message_id needs none; edition summaries are rare.
