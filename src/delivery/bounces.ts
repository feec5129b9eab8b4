import type pg from 'pg';
import { countSoftBounces, idByEmail, suppress } from '../subscribers/store.ts';
import { parseMessageId } from './message-id.ts';
import { claimSoftBounce, deliveryByMessageId, latestSentTo } from './store.ts';

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
 * once; a soft bounce counts towards SOFT_BOUNCE_LIMIT, like a digest that failed every retry,
 * once per mail however many reports name it (a relay may report one mail several times, a
 * webhook may be retried). A soft bounce that names only the address is about the latest mail
 * sent to it.
 */
export async function applyDeliveryEvents(
  pool: pg.Pool,
  events: DeliveryEvent[],
  softBounceLimit: number,
): Promise<{ applied: number; unknown: number }> {
  let applied = 0;
  let unknown = 0;
  for (const event of events) {
    const found = await findSubscriber(pool, event);
    if (!found) {
      unknown++;
      continue;
    }
    const { subscriberId } = found;
    const why = event.reason ? `: ${event.reason}` : '';
    if (event.type === 'complaint') {
      await suppress(pool, { suppressions: [{ subscriberId, reason: `complaint${why}` }] });
    } else if (event.permanent === false) {
      if (await isFirstSoftBounce(pool, found))
        await countSoftBounces(pool, { subscriberIds: [subscriberId], limit: softBounceLimit });
    } else {
      await suppress(pool, { suppressions: [{ subscriberId, reason: `hard bounce reported${why}` }] });
    }
    applied++;
  }
  return { applied, unknown };
}

/** Whether this soft bounce is the first counted for its mail (and marks it counted). */
async function isFirstSoftBounce(pool: pg.Pool, found: { subscriberId: string; deliveryId?: number }) {
  const deliveryId = found.deliveryId ?? (await latestSentTo(pool, { subscriberId: found.subscriberId }));
  if (deliveryId === undefined) return false;
  return claimSoftBounce(pool, { deliveryId });
}

/** The subscriber an event is about, and the mail when it names one. */
async function findSubscriber(
  pool: pg.Pool,
  event: DeliveryEvent,
): Promise<{ subscriberId: string; deliveryId?: number } | undefined> {
  // the delivery named inside the Message-ID, if the one stored for it matches too
  const parsed = event.messageId ? parseMessageId(event.messageId) : undefined;
  const named = parsed ? await deliveryByMessageId(pool, parsed) : undefined;
  if (named) return named;
  const subscriberId = event.email ? await idByEmail(pool, { email: event.email.trim() }) : undefined;
  return subscriberId ? { subscriberId } : undefined;
}
