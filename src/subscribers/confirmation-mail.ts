import { compiledMail, fillSlots, type MailTemplate, slot } from '../compiled-mail.ts';
import type { MailContent } from '../mail-queue/mail.ts';
import type { RenderedMail } from '../templates.ts';
import type { SubscriberLinks } from './links.ts';
import { describePreferences } from './preferences.ts';
import { requestTokenSubject, type SubscriptionRequest } from './requests.ts';
import type { Subscriber } from './subscriber.ts';
import { CONFIRM_TOKEN_LIFETIME_MS } from './tokens.ts';

const CONFIRMATION_SLOTS = {
  email: slot('EMAIL'),
  confirmUrl: slot('CONFIRM_URL'),
  summary: slot('SUMMARY'),
  footer: slot('FOOTER'),
  siteName: slot('SITE_NAME'),
  siteFooter: slot('SITE_FOOTER'),
} as const;

/** The confirmation mail's template, for a new subscription or a change to one, every value a slot. */
const confirmationTemplate = (preferencesChange: boolean): MailTemplate => ({
  name: 'confirmation',
  data: { ...CONFIRMATION_SLOTS, preferencesChange },
});

/** Both kinds, for the build to compile (compile-mail.ts). */
export const CONFIRMATION_TEMPLATES: MailTemplate[] = [false, true].map(confirmationTemplate);

/** What the confirmation template is filled with. */
export interface ConfirmationValues {
  email: string;
  confirmUrl: string;
  preferencesChange: boolean;
  summary: string;
  footer: string;
  /** SITE_NAME (Paperboy unless set) and SITE_FOOTER (none unless set). */
  siteName?: string;
  siteFooter?: string | undefined;
}

/** The confirmation mail's HTML and text: its compiled template with the values set. */
export async function confirmationBody(values: ConfirmationValues): Promise<RenderedMail> {
  return fillSlots(await compiledMail(confirmationTemplate(values.preferencesChange)), {
    [CONFIRMATION_SLOTS.email]: values.email,
    [CONFIRMATION_SLOTS.confirmUrl]: values.confirmUrl,
    [CONFIRMATION_SLOTS.summary]: values.summary,
    [CONFIRMATION_SLOTS.footer]: values.footer,
    [CONFIRMATION_SLOTS.siteName]: values.siteName ?? 'Paperboy',
    [CONFIRMATION_SLOTS.siteFooter]: values.siteFooter ?? '',
  });
}

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
  site?: { name: string; footer?: string | undefined };
}): Promise<MailContent | null> {
  const { subscriber, request, links, publicUrl, site = { name: 'Paperboy' } } = options;
  if (request.appliedAt) return null;
  if (subscriber.unsubscribedAt && subscriber.unsubscribedAt > request.createdAt) return null;
  const preferencesChange = subscriber.status === 'active';
  const expiresAt = new Date(request.createdAt.getTime() + CONFIRM_TOKEN_LIFETIME_MS);
  const confirmUrl = links.url('confirm', requestTokenSubject(request, subscriber), expiresAt);
  const preferences = request.preferences;
  const { html, text } = await confirmationBody({
    email: subscriber.email,
    confirmUrl,
    preferencesChange,
    // the address has not confirmed: nothing typed into the form goes into the mail
    summary: describePreferences(preferences, { keywords: 'count' }),
    footer: `You get this mail because this address was entered at ${publicUrl}.`,
    siteName: site.name,
    siteFooter: site.footer,
  });
  return {
    to: subscriber.email,
    subject: preferencesChange
      ? `Confirm the change to your ${site.name} digest`
      : `Confirm your ${site.name} subscription`,
    html,
    text,
  };
}
