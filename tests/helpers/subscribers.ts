import type pg from 'pg';
import { requestTokenSubject } from '../../src/subscribers/requests.ts';
import { type Subscriber, type SubscriberRow, toSubscriber } from '../../src/subscribers/subscriber.ts';
import type { LinkTokens } from '../../src/subscribers/tokens.ts';

/** A subscriber as stored, looked up by id: tests know ids where the app only ever needs tokens. */
export async function subscriberById(pool: pg.Pool, id: string): Promise<Subscriber | undefined> {
  const { rows } = await pool.query<SubscriberRow>('SELECT * FROM subscribers WHERE id = $1', [id]);
  return rows[0] ? toSubscriber(rows[0]) : undefined;
}

/**
 * A confirmation token as a confirmation mail carries it: signed for the subscriber's latest request
 * (and their nonces), expiring at `expiresAt`.
 */
export async function confirmTokenFor(
  pool: pg.Pool,
  tokens: LinkTokens,
  subscriber: Subscriber,
  expiresAt: Date,
): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    'SELECT id FROM subscription_requests WHERE subscriber_id = $1 ORDER BY created_at DESC, id LIMIT 1',
    [subscriber.id],
  );
  if (!rows[0]) throw new Error(`no subscription request for ${subscriber.email}`);
  return tokens.create('confirm', requestTokenSubject(rows[0], subscriber), expiresAt);
}
