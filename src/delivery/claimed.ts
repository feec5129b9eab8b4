import type { Subscriber, SubscriberRow } from '../subscribers/subscriber.ts';
import { toSubscriber } from '../subscribers/subscriber.ts';
import { CLAIMED_SUBSCRIBER_PREFIX } from './queries.ts';
import type { DeliveryKind } from './status.ts';

/** A delivery leased to this worker, with its subscriber as they are now. */
export interface ClaimedDelivery {
  id: number;
  kind: DeliveryKind;
  editionId: number | null;
  /** Confirmations: the subscription request whose link the mail carries. */
  requestId: string | null;
  /** Tries that reached the relay so far. */
  attempts: number;
  /** Failures before SMTP so far (the mail could not be built). */
  localFailures: number;
  /** This claim's: its outcome is written only while the row is still in this claim. */
  leaseToken: string;
  createdAt: Date;
  subscriber: Subscriber;
}

/** A row of the claim: the delivery's columns, and the subscriber's under CLAIMED_SUBSCRIBER_PREFIX. */
export interface ClaimedRow {
  id: number;
  kind: DeliveryKind;
  edition_id: number | null;
  request_id: string | null;
  attempts: number;
  local_failures: number;
  lease_token: string;
  created_at: Date;
  [subscriberColumn: string]: unknown;
}

export function toClaimedDelivery(row: ClaimedRow): ClaimedDelivery {
  const subscriber: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    if (column.startsWith(CLAIMED_SUBSCRIBER_PREFIX))
      subscriber[column.slice(CLAIMED_SUBSCRIBER_PREFIX.length)] = value;
  }
  return {
    id: row.id,
    kind: row.kind,
    editionId: row.edition_id,
    requestId: row.request_id,
    attempts: row.attempts,
    localFailures: row.local_failures,
    leaseToken: row.lease_token,
    createdAt: row.created_at,
    subscriber: toSubscriber(subscriber as unknown as SubscriberRow),
  };
}
