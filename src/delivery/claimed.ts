import type { Subscriber } from '../subscribers/subscriber.ts';
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
