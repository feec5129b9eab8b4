-- SMTP_RATE_PER_SECOND is one limit for every process sending through the relay, not one each:
-- the processes reserve their sending times from this single row (src/delivery/pacer.ts).

CREATE TABLE send_pacer (
  id integer PRIMARY KEY CHECK (id = 1),
  -- the earliest time the next reserved message may go; the past means "now"
  next_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO send_pacer (id) VALUES (1);
