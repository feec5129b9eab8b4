/** Every SQL statement of the subscribers room. */

const COLUMNS = `id, email, status, frequency, weekday, keywords, keyword_mode, timezone, delivery_hour,
  max_papers, pending_preferences, link_nonce, confirm_nonce, confirmation_sent_at, confirmed_at,
  unsubscribed_at, created_at, suppressed_at`;

// $2…$8 in every statement that writes preferences, in the order of preferenceParams().
const PREFERENCE_COLUMNS = 'frequency, weekday, keywords, keyword_mode, timezone, delivery_hour, max_papers';

export const subscriberQueries = {
  insertIfNew: `
    INSERT INTO subscribers (email, ${PREFERENCE_COLUMNS}, confirmation_sent_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
    ON CONFLICT ((lower(email))) DO NOTHING
    RETURNING id`,

  lockByEmail: `SELECT ${COLUMNS} FROM subscribers WHERE lower(email) = lower($1) FOR UPDATE`,

  lockById: `SELECT ${COLUMNS} FROM subscribers WHERE id = $1 FOR UPDATE`,

  findById: `SELECT ${COLUMNS} FROM subscribers WHERE id = $1`,

  findByEmail: `SELECT ${COLUMNS} FROM subscribers WHERE lower(email) = lower($1)`,

  /** A pending or unsubscribed address asks again: its new choice replaces the old one. */
  resetToPending: `
    UPDATE subscribers
    SET status = 'pending', (${PREFERENCE_COLUMNS}) = ($2, $3, $4, $5, $6, $7, $8),
        pending_preferences = NULL, updated_at = now()
    WHERE id = $1`,

  /** An active subscriber's new choice waits for the confirmation link. */
  holdPendingPreferences: `
    UPDATE subscribers SET pending_preferences = $2, updated_at = now() WHERE id = $1`,

  /** Marks a confirmation as sent unless one went out in the last 10 minutes, or the address bounced. */
  takeConfirmationSlot: `
    UPDATE subscribers SET confirmation_sent_at = now()
    WHERE id = $1 AND suppressed_at IS NULL
      AND (confirmation_sent_at IS NULL OR confirmation_sent_at <= now() - interval '10 minutes')
    RETURNING id`,

  activate: `
    UPDATE subscribers
    SET status = 'active', confirmed_at = now(), unsubscribed_at = NULL, updated_at = now()
    WHERE id = $1`,

  updatePreferences: `
    UPDATE subscribers
    SET (${PREFERENCE_COLUMNS}) = ($2, $3, $4, $5, $6, $7, $8), pending_preferences = NULL, updated_at = now()
    WHERE id = $1`,

  /** New confirm_nonce: confirmation mails sent before this moment stop working. */
  unsubscribe: `
    UPDATE subscribers
    SET status = 'unsubscribed', unsubscribed_at = now(), pending_preferences = NULL,
        confirm_nonce = gen_random_uuid(), updated_at = now()
    WHERE id = $1`,

  countByStatus: `
    SELECT CASE WHEN suppressed_at IS NOT NULL THEN 'suppressed' ELSE status END AS status, count(*)::int AS count
    FROM subscribers GROUP BY 1 ORDER BY 1`,
} as const;
