import type { MailContent } from '../outbox/mail.ts';
import { renderMail } from '../templates.ts';
import type { SubscriberLinks } from './links.ts';
import { describePreferences } from './preferences.ts';
import type { Subscriber } from './subscriber.ts';
import { CONFIRM_TOKEN_LIFETIME_MS } from './tokens.ts';

/**
 * The confirmation mail of a subscriber, or null when there is nothing left to confirm
 * (confirmed meanwhile, or gone). Its link expires 7 days after the request that queued it.
 */
export async function confirmationMail(options: {
  subscriber: Subscriber;
  requestedAt: Date;
  links: SubscriberLinks;
  publicUrl: string;
}): Promise<MailContent | null> {
  const { subscriber, links, publicUrl } = options;
  const preferencesChange = subscriber.status === 'active';
  if (subscriber.status === 'unsubscribed' || (preferencesChange && !subscriber.pendingPreferences))
    return null;
  const expiresAt = new Date(options.requestedAt.getTime() + CONFIRM_TOKEN_LIFETIME_MS);
  const confirmUrl = links.url('confirm', subscriber, expiresAt);
  const preferences = subscriber.pendingPreferences ?? subscriber.preferences;
  const { html, text } = await renderMail('confirmation', {
    email: subscriber.email,
    confirmUrl,
    preferencesChange,
    summary: describePreferences(preferences),
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
