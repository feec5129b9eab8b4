/**
 * The deliveries rows other rooms write inside their own transactions: the mail then exists
 * exactly when the change that calls for it does (the pattern known as a transactional outbox;
 * here it is the mail queue, and "outbox" names only the folder of .eml files). The delivery
 * room owns the rest of the table's life: claiming, sending, recording.
 */
export const mailQueueQueries = {
  enqueueConfirmation: `
    INSERT INTO deliveries (kind, subscriber_id, request_id) VALUES ('confirmation', $1, $2) RETURNING id`,

  /**
   * The same, as the end of another room's statement: a confirmation for each row of the `requests`
   * its WITH part made (id, subscriber_id), in that one statement.
   */
  queueConfirmations: `
    INSERT INTO deliveries (kind, subscriber_id, request_id)
    SELECT 'confirmation', subscriber_id, id FROM requests`,

  cancelPendingForSubscriber: `
    UPDATE deliveries SET status = 'cancelled', updated_at = now()
    WHERE subscriber_id = $1 AND status = 'pending'`,
} as const;
