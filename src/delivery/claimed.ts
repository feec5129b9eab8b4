import type { Subscriber, SubscriberRow } from '../subscribers/subscriber.ts';
import { toSubscriber } from '../subscribers/subscriber.ts';
import type { DeliveryKind } from './status.ts';

/** A delivery leased to this worker, with its subscriber as they are now. */
export interface ClaimedDelivery {
  id: number;
  kind: DeliveryKind;
  editionId: number | null;
  attempts: number;
  createdAt: Date;
  subscriber: Subscriber;
  /** The subscriber's current run of soft bounces: a delivered digest resets it. */
  softBounces: number;
}

export type ClaimedRow = Omit<SubscriberRow, 'id' | 'created_at'> & {
  id: number;
  kind: DeliveryKind;
  edition_id: number | null;
  attempts: number;
  created_at: Date;
  subscriber_id: string;
  subscriber_created_at: Date;
  soft_bounces: number;
};

export function toClaimedDelivery(row: ClaimedRow): ClaimedDelivery {
  return {
    id: row.id,
    kind: row.kind,
    editionId: row.edition_id,
    attempts: row.attempts,
    createdAt: row.created_at,
    subscriber: toSubscriber({ ...row, id: row.subscriber_id, created_at: row.subscriber_created_at }),
    softBounces: row.soft_bounces,
  };
}
