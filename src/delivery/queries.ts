/** Every SQL statement of the delivery room. */
export const deliveryQueries = {
  enqueueConfirmation: `
    INSERT INTO deliveries (kind, subscriber_id) VALUES ('confirmation', $1) RETURNING id`,

  cancelPendingForSubscriber: `
    UPDATE deliveries SET status = 'cancelled', updated_at = now()
    WHERE subscriber_id = $1 AND status = 'pending'`,

  /**
   * Takes up to $1 deliveries that are due, or whose lease ran out, and leases them for $2
   * seconds. SKIP LOCKED lets any number of workers claim side by side, each row going to one.
   */
  claimDue: `
    WITH due AS (
      SELECT id FROM deliveries
      WHERE (status = 'pending' AND due_at <= now())
         OR (status = 'sending' AND lease_expires_at < now())
      ORDER BY due_at
      LIMIT $1
      FOR UPDATE SKIP LOCKED
    )
    UPDATE deliveries d
    SET status = 'sending', attempts = d.attempts + 1,
        lease_expires_at = now() + make_interval(secs => $2), updated_at = now()
    FROM due
    WHERE d.id = due.id
    RETURNING d.id, d.kind, d.subscriber_id, d.edition_id, d.attempts, d.created_at`,

  markSent: `
    UPDATE deliveries
    SET status = 'sent', message_id = $2, smtp_response = $3, sent_at = now(), lease_expires_at = NULL,
        last_error = NULL, updated_at = now()
    WHERE id = $1 AND status = 'sending'`,

  /** Back to pending after $3 seconds: a transient failure with attempts left. */
  scheduleRetry: `
    UPDATE deliveries
    SET status = 'pending', due_at = now() + make_interval(secs => $3), last_error = $2,
        lease_expires_at = NULL, updated_at = now()
    WHERE id = $1 AND status = 'sending'`,

  markFailed: `
    UPDATE deliveries
    SET status = 'failed', last_error = $2, smtp_response = $3, lease_expires_at = NULL, updated_at = now()
    WHERE id = $1 AND status = 'sending'`,

  markCancelled: `
    UPDATE deliveries
    SET status = 'cancelled', last_error = $2, lease_expires_at = NULL, updated_at = now()
    WHERE id = $1 AND status = 'sending'`,

  countByKindAndStatus: `
    SELECT kind, status, count(*)::int AS count FROM deliveries GROUP BY kind, status ORDER BY kind, status`,
} as const;
