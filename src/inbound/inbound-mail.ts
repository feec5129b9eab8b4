import type pg from 'pg';
import type { Logger } from 'pino';
import { applyDeliveryEvents } from '../delivery/bounces.ts';
import type { InboundAddresses, InboundRecipient } from '../delivery/inbound-addresses.ts';
import { messageIdOfDelivery } from '../delivery/store.ts';
import type { SubscriberService } from '../subscribers/service.ts';
import { recipientReports } from './dsn.ts';
import { bounceEventOf } from './dsn-events.ts';
import { recordFirstSoftBounce } from './store.ts';

export interface InboundDeps {
  pool: pg.Pool;
  addresses: InboundAddresses;
  subscribers: SubscriberService;
  softBounceLimit: number;
  log: Logger;
}

/** What one recipient of an inbound mail came to; logged, and answered by tests. */
export type InboundOutcome =
  | 'hard bounce: suppressed'
  | 'soft bounce: counted'
  | 'soft bounce: this delivery was counted already'
  | 'not a failure report'
  | 'unknown delivery'
  | 'unsubscribed';

/**
 * Whether an address may receive mail here: a return path whose MAC is right (delivery/inbound-addresses.ts), or
 * an unsubscribe address of a subscriber under their current nonce. Anything else is refused at
 * RCPT TO, so a forged address costs the sender nothing of ours.
 */
export async function acceptsRecipient(
  deps: InboundDeps,
  address: string,
): Promise<InboundRecipient | undefined> {
  const recipient = deps.addresses.parse(address);
  if (recipient?.kind !== 'unsubscribe') return recipient;
  const subscriber = await deps.subscribers.findById(recipient.subscriberId);
  return subscriber && deps.addresses.unsubscribeIsValid(recipient, subscriber.linkNonce)
    ? recipient
    : undefined;
}

/** Applies one mail that came to one of our addresses (checked by acceptsRecipient). */
export async function handleInboundMail(
  deps: InboundDeps,
  recipient: InboundRecipient,
  raw: Buffer,
): Promise<InboundOutcome> {
  if (recipient.kind === 'unsubscribe') {
    // any mail to the address is the request (RFC 2369's mailto: needs no particular subject)
    await deps.subscribers.unsubscribeVerified(recipient.subscriberId);
    return 'unsubscribed';
  }
  const messageId = await messageIdOfDelivery(deps.pool, { deliveryId: recipient.deliveryId });
  if (!messageId) return 'unknown delivery';
  // one return path per delivery and recipient: its DSN's first failure is about that mail
  const event = (await recipientReports(raw))
    .map((report) => bounceEventOf(report, messageId))
    .find((found) => found !== undefined);
  if (!event) return 'not a failure report';
  if (!event.permanent) {
    const first = await recordFirstSoftBounce(deps.pool, { deliveryId: recipient.deliveryId });
    if (!first) return 'soft bounce: this delivery was counted already';
  }
  await applyDeliveryEvents(deps.pool, [event], deps.softBounceLimit);
  return event.permanent ? 'hard bounce: suppressed' : 'soft bounce: counted';
}
