import { DEFAULT_PREFERENCES, type Preferences } from './preferences.ts';
import type { Subscriber } from './subscriber.ts';
import type { TokenSubject } from './tokens.ts';

/** A request to subscribe or to change a digest, applied when its confirmation link is followed. */
export interface SubscriptionRequest {
  id: string;
  subscriberId: string;
  preferences: Preferences;
  createdAt: Date;
  appliedAt: Date | null;
}

/** A subscription_requests row, as the statements that read one select it. */
export interface RequestRow {
  id: string;
  subscriber_id: string;
  preferences: Preferences;
  created_at: Date;
  applied_at: Date | null;
}

export const toRequest = (row: RequestRow): SubscriptionRequest => ({
  id: row.id,
  subscriberId: row.subscriber_id,
  // a request stored before a preference existed asks for its default
  preferences: { ...DEFAULT_PREFERENCES, ...row.preferences },
  createdAt: row.created_at,
  appliedAt: row.applied_at,
});

/**
 * What a confirmation link signs: the request's id, and the subscriber's confirm nonce, so that
 * unsubscribing (which rotates it) revokes every confirmation link sent before.
 */
export function requestTokenSubject(request: { id: string }, subscriber: Subscriber): TokenSubject {
  return { id: request.id, linkNonce: subscriber.linkNonce, confirmNonce: subscriber.confirmNonce };
}
