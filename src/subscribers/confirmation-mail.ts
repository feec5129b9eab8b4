import type { MailContent } from '../outbox/mail.ts';
import { renderMail } from '../templates.ts';
import type { SubscriberLinks } from './links.ts';
import { describePreferences } from './preferences.ts';
import { requestTokenSubject, type SubscriptionRequest } from './requests.ts';
import type { Subscriber } from './subscriber.ts';
import { CONFIRM_TOKEN_LIFETIME_MS } from './tokens.ts';

/**
 * The confirmation mail of a subscription request, or null when there is nothing left to
 * confirm (applied already, or the address unsubscribed since, which revoked its link). Its
 * link expires 7 days after the request.
 */
export async function confirmationMail(options: {
  subscriber: Subscriber;
  request: SubscriptionRequest;
  links: SubscriberLinks;
  publicUrl: string;
}): Promise<MailContent | null> {
  const { subscriber, request, links, publicUrl } = options;
  if (request.appliedAt) return null;
  if (subscriber.unsubscribedAt && subscriber.unsubscribedAt > request.createdAt) return null;
  const preferencesChange = subscriber.status === 'active';
  const expiresAt = new Date(request.createdAt.getTime() + CONFIRM_TOKEN_LIFETIME_MS);
  const confirmUrl = links.url('confirm', requestTokenSubject(request, subscriber), expiresAt);
  const preferences = request.preferences;
  const { html, text } = await renderMail('confirmation', {
    email: subscriber.email,
    confirmUrl,
    preferencesChange,
    // the address has not confirmed: nothing typed into the form goes into the mail
    summary: describePreferences(preferences, { keywords: 'count' }),
    footer: `You get this mail because this address was entered at ${publicUrl}.`,
  });
  return {
    to: subscriber.email,
    subject: preferencesChange
      ? 'Confirm the change to your Paperboy digest'
      : 'Confirm your Paperboy subscription',
    html,
    text,
  };
}
