-- Each request to subscribe or change a digest is kept on its own, with a secret of its own
-- (its id, signed into the confirmation link): a link applies only the request it was sent
-- for, and only once. Before, an active subscriber's change waited in one pending_preferences
-- column, so following an old confirmation link again applied whatever a stranger had posted
-- since; and a second post for a pending address replaced the preferences it would confirm.

CREATE TABLE subscription_requests (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  subscriber_id uuid NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
  -- the preferences asked for, as the API's Preferences object
  preferences jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- set when its link is followed; a used request changes nothing again
  applied_at timestamptz
);
CREATE INDEX subscription_requests_subscriber ON subscription_requests (subscriber_id);

-- the request a confirmation mail carries the link of
ALTER TABLE deliveries ADD COLUMN request_id uuid REFERENCES subscription_requests (id) ON DELETE CASCADE;

-- confirmations of pending addresses queued and not sent yet get a request of their own, with
-- the preferences stored with the address
WITH queued AS MATERIALIZED (
  SELECT d.id AS delivery_id, gen_random_uuid() AS request_id, d.created_at, s.id AS subscriber_id,
    jsonb_build_object('frequency', s.frequency, 'weekday', s.weekday, 'keywords', to_jsonb(s.keywords),
      'keywordMode', s.keyword_mode, 'timezone', s.timezone, 'deliveryHour', s.delivery_hour,
      'maxPapers', s.max_papers) AS preferences
  FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
  WHERE d.kind = 'confirmation' AND d.status IN ('pending', 'sending') AND s.status = 'pending'
), requests AS (
  INSERT INTO subscription_requests (id, subscriber_id, preferences, created_at)
  SELECT request_id, subscriber_id, preferences, created_at FROM queued
)
UPDATE deliveries d SET request_id = q.request_id FROM queued q WHERE d.id = q.delivery_id;

-- unconfirmed changes of active subscribers are not carried over: their links could apply them
-- to anyone's digest; whoever asked can ask again
ALTER TABLE subscribers DROP COLUMN pending_preferences;
