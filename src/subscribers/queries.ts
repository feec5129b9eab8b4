/** Every SQL statement of the subscribers room. */

/** The columns of a SubscriberRow (subscriber.ts), in one place for every statement that reads one. */
export const SUBSCRIBER_COLUMNS = [
  'id',
  'email',
  'status',
  'frequency',
  'weekday',
  'keywords',
  'keyword_mode',
  'timezone',
  'delivery_hour',
  'max_papers',
  'link_nonce',
  'confirm_nonce',
  'confirmation_sent_at',
  'confirmed_at',
  'unsubscribed_at',
  'created_at',
  'suppressed_at',
  'soft_bounces',
  'paused_until',
] as const;

const COLUMNS = SUBSCRIBER_COLUMNS.join(', ');

// $2…$8 in every statement that writes preferences, in the order of preferenceParams().
const PREFERENCE_COLUMNS = 'frequency, weekday, keywords, keyword_mode, timezone, delivery_hour, max_papers';

export const subscriberQueries = {
  insertIfNew: `
    INSERT INTO subscribers (email, ${PREFERENCE_COLUMNS})
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
    ON CONFLICT ((lower(email))) DO NOTHING`,

  lockIdByEmail: `SELECT id FROM subscribers WHERE lower(email) = lower($1) FOR UPDATE`,

  lockById: `SELECT ${COLUMNS} FROM subscribers WHERE id = $1 FOR UPDATE`,

  findById: `SELECT ${COLUMNS} FROM subscribers WHERE id = $1`,

  findByEmail: `SELECT ${COLUMNS} FROM subscribers WHERE lower(email) = lower($1)`,

  idByEmail: `SELECT id FROM subscribers WHERE lower(email) = lower($1)`,

  /** An unsubscribed address asks again: it waits for the new confirmation. */
  markPending: `
    UPDATE subscribers SET status = 'pending', updated_at = now() WHERE id = $1 AND status = 'unsubscribed'`,

  /** A request to subscribe or change, waiting for its confirmation link (subscription_requests). */
  insertRequest: `
    INSERT INTO subscription_requests (subscriber_id, preferences) VALUES ($1, $2) RETURNING id`,

  /** The request a confirmation link names, locked while it is applied. */
  lockRequest: `
    SELECT id, subscriber_id, preferences, created_at, applied_at FROM subscription_requests WHERE id = $1 FOR UPDATE`,

  findRequest: `SELECT id, subscriber_id, preferences, created_at, applied_at FROM subscription_requests WHERE id = $1`,

  markRequestApplied: `UPDATE subscription_requests SET applied_at = now() WHERE id = $1`,

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
    SET (${PREFERENCE_COLUMNS}) = ($2, $3, $4, $5, $6, $7, $8), updated_at = now()
    WHERE id = $1`,

  /** New confirm_nonce: confirmation mails sent before this moment stop working. */
  unsubscribe: `
    UPDATE subscribers
    SET status = 'unsubscribed', unsubscribed_at = now(),
        confirm_nonce = gen_random_uuid(), updated_at = now()
    WHERE id = $1`,

  /** No digest until $2 (a pause of a few weeks); NULL resumes at once. */
  setPausedUntil: `UPDATE subscribers SET paused_until = $2, updated_at = now() WHERE id = $1`,

  countByStatus: `
    SELECT CASE WHEN suppressed_at IS NOT NULL THEN 'suppressed' ELSE status END AS status, count(*)::int AS count
    FROM subscribers GROUP BY 1 ORDER BY 1`,

  /** Hard bounces and complaints: no more mail to these addresses ($1 ids, $2 reasons). */
  suppress: `
    UPDATE subscribers s SET suppressed_at = now(), suppression_reason = u.reason, updated_at = now()
    FROM unnest($1::uuid[], $2::text[]) AS u(id, reason)
    WHERE s.id = u.id AND s.suppressed_at IS NULL`,

  /**
   * Digests undeliverable after every retry, $2 of them for subscriber $1 (arrays); at $3 in a
   * row the address is suppressed.
   */
  countSoftBounces: `
    UPDATE subscribers s
    SET soft_bounces = s.soft_bounces + u.count,
        suppressed_at = CASE WHEN s.soft_bounces + u.count >= $3 AND s.suppressed_at IS NULL THEN now()
          ELSE s.suppressed_at END,
        suppression_reason = CASE WHEN s.soft_bounces + u.count >= $3 AND s.suppressed_at IS NULL
          THEN 'soft bounces: ' || (s.soft_bounces + u.count) || ' digests in a row undeliverable'
          ELSE s.suppression_reason END,
        updated_at = now()
    FROM unnest($1::uuid[], $2::int[]) AS u(id, count)
    WHERE s.id = u.id`,

  /** A delivered digest clears the subscriber's run of soft bounces. */
  resetSoftBounces: `
    UPDATE subscribers SET soft_bounces = 0 WHERE id = ANY($1::uuid[]) AND soft_bounces > 0`,

  /** The suppressed addresses, most recent first (the admin API). */
  listSuppressions: `
    SELECT email, suppressed_at, suppression_reason, soft_bounces FROM subscribers
    WHERE suppressed_at IS NOT NULL ORDER BY suppressed_at DESC, email LIMIT $1`,

  /** An operator lifts a suppression: the address gets mail again from the next edition on. */
  liftSuppression: `
    UPDATE subscribers
    SET suppressed_at = NULL, suppression_reason = NULL, soft_bounces = 0, updated_at = now()
    WHERE lower(email) = lower($1) AND suppressed_at IS NOT NULL
    RETURNING id`,
} as const;
