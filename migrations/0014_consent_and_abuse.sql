-- Consent and abuse (README "Subscribing", "Bounces"; RELIABILITY.md lists each finding).

-- Confirmation mails sent to an address since it last confirmed one: at MAX_UNANSWERED_CONFIRMATIONS
-- (src/subscribers/queries.ts) no more are sent until a confirmation is answered, so the subscribe
-- form cannot mail someone who never asked, every 10 minutes, forever.
ALTER TABLE subscribers ADD COLUMN confirmations_unanswered integer NOT NULL DEFAULT 0;
UPDATE subscribers SET confirmations_unanswered = 1
WHERE status <> 'active' AND confirmation_sent_at IS NOT NULL;

-- When a late soft bounce of this mail was counted: a relay that reports one delivery in several
-- events (or a webhook retried) counts it once.
ALTER TABLE deliveries ADD COLUMN soft_bounce_counted_at timestamptz;

-- The operator console's sessions (src/admin/sessions.ts): the cookie names a row, so signing out
-- ends the session on the server (a copied cookie stops working), and "sign out everywhere" ends
-- them all. Ended and expired rows are deleted at the next sign-in.
CREATE TABLE admin_sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  ended_at timestamptz
);
