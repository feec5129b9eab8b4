import type pg from 'pg';
import { deliveryQueries as sql } from './queries.ts';

/** A report a relay sends after the fact (the webhook's generic shape). */
export interface DeliveryEvent {
  type: 'bounce' | 'complaint';
  /** The Message-ID of the mail it is about, with or without angle brackets. */
  messageId?: string;
  email?: string;
  /** Bounces only: false for a soft (temporary) bounce; true by default. */
  permanent?: boolean;
  reason?: string;
}

/**
 * The bounce policy for late reports: a hard bounce or a complaint suppresses the address at
 * once; a soft bounce counts towards SOFT_BOUNCE_LIMIT, like a digest that failed every retry.
 */
export async function applyDeliveryEvents(
  pool: pg.Pool,
  events: DeliveryEvent[],
  softBounceLimit: number,
): Promise<{ applied: number; unknown: number }> {
  let applied = 0;
  let unknown = 0;
  for (const event of events) {
    const subscriberId = await findSubscriber(pool, event);
    if (!subscriberId) {
      unknown++;
      continue;
    }
    const why = event.reason ? `: ${event.reason}` : '';
    if (event.type === 'complaint') {
      await pool.query(sql.suppress, [subscriberId, `complaint${why}`]);
    } else if (event.permanent === false) {
      await pool.query(sql.countSoftBounce, [subscriberId, softBounceLimit]);
    } else {
      await pool.query(sql.suppress, [subscriberId, `hard bounce reported${why}`]);
    }
    applied++;
  }
  return { applied, unknown };
}

async function findSubscriber(pool: pg.Pool, event: DeliveryEvent): Promise<string | undefined> {
  if (event.messageId) {
    const trimmed = event.messageId.trim();
    const bracketed = trimmed.startsWith('<') ? trimmed : `<${trimmed}>`;
    // Message-IDs are <delivery-ID.KIND@host> (Sender.messageIdFor); the stored one must match too
    const deliveryId = /^<delivery-(\d{1,15})\./.exec(bracketed)?.[1];
    if (deliveryId) {
      const { rows } = await pool.query<{ subscriber_id: string }>(sql.subscriberByDelivery, [
        Number(deliveryId),
        bracketed,
      ]);
      if (rows[0]) return rows[0].subscriber_id;
    }
  }
  if (event.email) {
    const { rows } = await pool.query<{ subscriber_id: string }>(sql.subscriberByEmail, [event.email]);
    if (rows[0]) return rows[0].subscriber_id;
  }
  return undefined;
}

export interface Suppression {
  email: string;
  suppressedAt: Date;
  reason: string | null;
  softBounces: number;
}

/** Addresses no mail goes to, most recent first. */
export async function listSuppressions(pool: pg.Pool, limit: number): Promise<Suppression[]> {
  const { rows } = await pool.query<{
    email: string;
    suppressed_at: Date;
    suppression_reason: string | null;
    soft_bounces: number;
  }>(sql.listSuppressions, [limit]);
  return rows.map((row) => ({
    email: row.email,
    suppressedAt: row.suppressed_at,
    reason: row.suppression_reason,
    softBounces: row.soft_bounces,
  }));
}

/**
 * Takes an address off the suppression list (a bounce that was the relay's fault, a complaint
 * withdrawn). Its soft-bounce count starts again; digests of editions already sent while it was
 * suppressed are not sent after the fact. False if the address was not suppressed.
 */
export async function liftSuppression(pool: pg.Pool, email: string): Promise<boolean> {
  const { rowCount } = await pool.query(sql.liftSuppression, [email]);
  return (rowCount ?? 0) > 0;
}
