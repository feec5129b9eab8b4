-- Subscribers and the deliveries ledger: every mail Paperboy sends is one deliveries row,
-- written in the same transaction as the change that calls for it (a transactional outbox)
-- and sent later by a worker.

CREATE TABLE subscribers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'active', 'unsubscribed')),
  frequency text NOT NULL DEFAULT 'daily' CHECK (frequency IN ('daily', 'weekly')),
  -- ISO day of the week for weekly mail: 1 = Monday … 7 = Sunday
  weekday smallint NOT NULL DEFAULT 1 CHECK (weekday BETWEEN 1 AND 7),
  keywords text[] NOT NULL DEFAULT '{}',
  keyword_mode text NOT NULL DEFAULT 'boost' CHECK (keyword_mode IN ('only', 'boost')),
  timezone text NOT NULL DEFAULT 'UTC',
  delivery_hour smallint NOT NULL DEFAULT 7 CHECK (delivery_hour BETWEEN 0 AND 23),
  max_papers smallint NOT NULL DEFAULT 10 CHECK (max_papers BETWEEN 1 AND 50),
  -- preferences an active subscriber asked for through the public form: applied only when
  -- the confirmation link is followed, so a stranger cannot change someone's digest
  pending_preferences jsonb,
  -- secrets mixed into link tokens (src/subscribers/tokens.ts); rotating one revokes its links
  link_nonce uuid NOT NULL DEFAULT gen_random_uuid(),
  confirm_nonce uuid NOT NULL DEFAULT gen_random_uuid(),
  confirmation_sent_at timestamptz,
  confirmed_at timestamptz,
  unsubscribed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One subscriber per address, whatever the case of its letters.
CREATE UNIQUE INDEX subscribers_email_key ON subscribers (lower(email));
CREATE INDEX subscribers_active_frequency ON subscribers (frequency) WHERE status = 'active';

CREATE TABLE deliveries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('confirmation', 'digest')),
  subscriber_id uuid NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
  -- set for digests: one row per subscriber and edition
  edition_id bigint,
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
  due_at timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 0,
  -- while status = 'sending': a worker holds the row until then; past it, another may take it
  lease_expires_at timestamptz,
  message_id text,
  smtp_response text,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  CHECK ((kind = 'digest') = (edition_id IS NOT NULL))
);

-- One digest per subscriber and edition. Confirmations have no edition, and NULLs never
-- collide, so they are not limited; the index also serves every lookup by subscriber.
CREATE UNIQUE INDEX deliveries_subscriber_edition_key ON deliveries (subscriber_id, edition_id);
CREATE INDEX deliveries_pending_due ON deliveries (due_at) WHERE status = 'pending';
CREATE INDEX deliveries_sending_lease ON deliveries (lease_expires_at) WHERE status = 'sending';
