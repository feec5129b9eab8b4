import type { Preferences } from './preferences.ts';

const SubscriberStatus = {
  pending: 'pending',
  active: 'active',
  unsubscribed: 'unsubscribed',
} as const;
export type SubscriberStatus = (typeof SubscriberStatus)[keyof typeof SubscriberStatus];

export interface Subscriber {
  id: string;
  email: string;
  status: SubscriberStatus;
  preferences: Preferences;
  linkNonce: string;
  confirmNonce: string;
  confirmationSentAt: Date | null;
  confirmedAt: Date | null;
  unsubscribedAt: Date | null;
  createdAt: Date;
  /** Mail to the address stopped: a hard bounce, a complaint, repeated soft bounces. */
  suppressedAt: Date | null;
  /** Digests in a row undeliverable after every retry; a delivered one resets it. */
  softBounces: number;
  /** The digest is paused until then: nothing is fanned out or sent before. */
  pausedUntil: Date | null;
  /** Set once the reader has said "more / less like this" or followed someone (feedback.ts). */
  learnedAt: Date | null;
}

export interface SubscriberRow {
  id: string;
  email: string;
  status: SubscriberStatus;
  frequency: Preferences['frequency'];
  weekday: number;
  month_day: number;
  keywords: string[];
  keyword_mode: Preferences['keywordMode'];
  timezone: string;
  delivery_hour: number;
  max_papers: number;
  personalisation: number;
  muted_keywords: string[];
  link_nonce: string;
  confirm_nonce: string;
  confirmation_sent_at: Date | null;
  confirmed_at: Date | null;
  unsubscribed_at: Date | null;
  created_at: Date;
  suppressed_at: Date | null;
  soft_bounces: number;
  paused_until: Date | null;
  learned_at: Date | null;
}

export function toSubscriber(row: SubscriberRow): Subscriber {
  return {
    id: row.id,
    email: row.email,
    status: row.status,
    preferences: {
      frequency: row.frequency,
      weekday: row.weekday,
      monthDay: row.month_day,
      keywords: row.keywords,
      keywordMode: row.keyword_mode,
      timezone: row.timezone,
      deliveryHour: row.delivery_hour,
      maxPapers: row.max_papers,
      personalisation: row.personalisation,
      mutedKeywords: row.muted_keywords,
    },
    linkNonce: row.link_nonce,
    confirmNonce: row.confirm_nonce,
    confirmationSentAt: row.confirmation_sent_at,
    confirmedAt: row.confirmed_at,
    unsubscribedAt: row.unsubscribed_at,
    createdAt: row.created_at,
    suppressedAt: row.suppressed_at,
    softBounces: row.soft_bounces,
    pausedUntil: row.paused_until,
    learnedAt: row.learned_at,
  };
}
