/**
 * The deliveries rows other rooms write inside their own transactions (a transactional
 * outbox): the mail then exists exactly when the change that calls for it does. The delivery
 * room owns the rest of the table's life: claiming, sending, recording.
 */
export const outboxQueries = {
  enqueueConfirmation: `
    INSERT INTO deliveries (kind, subscriber_id, request_id) VALUES ('confirmation', $1, $2) RETURNING id`,

  cancelPendingForSubscriber: `
    UPDATE deliveries SET status = 'cancelled', updated_at = now()
    WHERE subscriber_id = $1 AND status = 'pending'`,
} as const;
