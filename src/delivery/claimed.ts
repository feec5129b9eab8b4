import type { Subscriber, SubscriberRow } from '../subscribers/subscriber.ts';
import { toSubscriber } from '../subscribers/subscriber.ts';
import { CLAIMED_SUBSCRIBER_PREFIX } from './queries.ts';
import type { DeliveryKind } from './status.ts';

/** A delivery leased to this worker, with its subscriber as they are now. */
export interface ClaimedDelivery {
  id: number;
  kind: DeliveryKind;
  editionId: number | null;
  attempts: number;
  createdAt: Date;
  subscriber: Subscriber;
}

/** A row of the claim: the delivery's columns, and the subscriber's under CLAIMED_SUBSCRIBER_PREFIX. */
export interface ClaimedRow {
  id: number;
  kind: DeliveryKind;
  edition_id: number | null;
  attempts: number;
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
    attempts: row.attempts,
    createdAt: row.created_at,
    subscriber: toSubscriber(subscriber as unknown as SubscriberRow),
  };
}
