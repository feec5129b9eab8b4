-- Adaptive sending: a relay that answers "slow down" (454 Throttling failure, a 421 or 451 about
-- its rate) lowers the send rate of every process, which climbs back while answers are clean
-- (src/delivery/pacer.ts). The rate lives beside next_at in the one row all processes share.
ALTER TABLE send_pacer
  -- messages per second all processes together may send now; NULL: no limit but SMTP_RATE_PER_SECOND
  ADD COLUMN rate double precision,
  -- when rate was last set: it climbs from there
  ADD COLUMN rate_at timestamptz,
  -- the relay's last throttling answer
  ADD COLUMN throttled_at timestamptz;
