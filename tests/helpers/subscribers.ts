import type pg from 'pg';
import { type Subscriber, type SubscriberRow, toSubscriber } from '../../src/subscribers/subscriber.ts';

/** A subscriber as stored, looked up by id: tests know ids where the app only ever needs tokens. */
export async function subscriberById(pool: pg.Pool, id: string): Promise<Subscriber | undefined> {
  const { rows } = await pool.query<SubscriberRow>('SELECT * FROM subscribers WHERE id = $1', [id]);
  return rows[0] ? toSubscriber(rows[0]) : undefined;
}
