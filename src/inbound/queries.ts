/** Every SQL statement of the inbound room: mail that comes back to Paperboy. */

/** $1 delivery id: its first soft bounce by DSN; returns a row only the first time. */
export const FIRST_SOFT_BOUNCE = `
  INSERT INTO inbound_soft_bounces (delivery_id) VALUES ($1)
  ON CONFLICT (delivery_id) DO NOTHING
  RETURNING delivery_id`;
