-- What a delivery went through, told apart: `attempts` counts only tries that reached the relay
-- (its answers, and network failures while talking to it), the only ones DELIVERY_MAX_ATTEMPTS
-- limits; a crashed worker's lease running out is not one of them, nor is a failure before SMTP
-- (a template that would not render), counted on its own.
ALTER TABLE deliveries
  ADD COLUMN expired_leases integer NOT NULL DEFAULT 0,
  ADD COLUMN local_failures integer NOT NULL DEFAULT 0,
  -- new at each claim: an outcome is written only by the worker whose claim is still the row's
  -- latest, however late (after an outage), and never over another worker's claim
  ADD COLUMN lease_token uuid;
