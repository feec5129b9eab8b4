import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { describePreferences, sameAsDefaults } from '../../../subscribers/preferences.ts';
import { MAX_PAUSE_WEEKS } from '../../../subscribers/service.ts';
import { feedbackOf } from '../../../subscribers/store.ts';
import type { Subscriber } from '../../../subscribers/subscriber.ts';
import { sendPage as page } from '../../page.ts';
import { preferenceFormData } from '../../preference-form.ts';
import { errorResponses, HtmlPage } from '../../schemas.ts';

export const untilDate = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
});

/** The page of a link that is not (or no longer) one of ours: nothing was changed. */
export function invalidLink(reply: FastifyReply) {
  const { siteName } = reply.server.services.config;
  return page(reply, 404, 'message', {
    title: 'This link is not valid',
    message: `It may have been cut short or mistyped, or replaced by a newer mail. Nothing was changed. The newest mail from ${siteName} has links that work; or ask for a new confirmation on the home page.`,
    link: { href: '/', text: `${siteName} home` },
  });
}

export const OneClickBody = Type.Object({
  'List-Unsubscribe': Type.Optional(
    Type.String({ maxLength: 100, description: 'must be One-Click (RFC 8058)' }),
  ),
});

/** The console-free instance these routes are registered on, with the TypeBox type provider. */
export type LinkApp = Parameters<FastifyPluginAsyncTypebox>[0];

/** What the link pages share: limits, answers, and the pages more than one route shows. */
export function linkKit(app: LinkApp) {
  const { config, subscribers, links } = app.services;
  // Keyed by client (the default, request.ip), never by something in the URL a client can vary.
  const perClientLimit = { max: config.rateLimitMax, timeWindow: config.rateLimitWindowMs };
  const htmlResponses = { 200: HtmlPage, 404: HtmlPage, ...errorResponses };
  const resubscribeUrl = (subscriber: Subscriber) => `${links.url('preferences', subscriber)}/resubscribe`;

  /** What the preferences page shows of a subscriber. */
  async function preferencesPage(subscriber: Subscriber) {
    const { pausedUntil } = subscriber;
    const learned = await feedbackOf(app.services.db.pool, { subscriberId: subscriber.id });
    const preferencesUrl = links.url('preferences', subscriber);
    return {
      learned: {
        likes: learned.signals.filter((s) => s.signal === 1),
        dislikes: learned.signals.filter((s) => s.signal === -1),
        follows: learned.follows,
        organisations: learned.organisations ?? [],
        forgetOrganisationUrl: `${preferencesUrl}/learned/forget-organisation`,
        forgetUrl: `${preferencesUrl}/learned/forget`,
        resetUrl: `${preferencesUrl}/learned/reset`,
      },
      email: subscriber.email,
      status: subscriber.status,
      pausedUntil: pausedUntil && pausedUntil > new Date() ? untilDate.format(pausedUntil) : undefined,
      pauseUrl: `${links.url('preferences', subscriber)}/pause`,
      pauseWeeks: Array.from({ length: MAX_PAUSE_WEEKS }, (_, i) => i + 1),
      summary: describePreferences(subscriber.preferences),
      unsubscribeUrl: links.url('unsubscribe', subscriber),
      resubscribeUrl: resubscribeUrl(subscriber),
      feedUrl: links.url('feed', subscriber),
      dataUrl: `${links.url('preferences', subscriber)}/data`,
      deleteUrl: `${links.url('preferences', subscriber)}/delete`,
      form: preferenceFormData(subscriber.preferences),
    };
  }

  const confirmedTitles = {
    confirmed: 'You are subscribed',
    'preferences-updated': 'Your digest settings are updated',
    'already-confirmed': 'You are already subscribed',
  } as const;

  /** The page of a confirmation link applied (now or before): the choices offered again. */
  function confirmedPage(reply: FastifyReply, outcome: keyof typeof confirmedTitles, subscriber: Subscriber) {
    return page(reply, 200, 'confirmed', {
      title: confirmedTitles[outcome],
      message: `You will receive ${describePreferences(subscriber.preferences)}.`,
      preferencesUrl: links.url('preferences', subscriber),
      form: preferenceFormData(subscriber.preferences),
      // what they chose under "Customise" is not offered again as if it were still to do
      customised: !sameAsDefaults(subscriber.preferences),
    });
  }

  return {
    config,
    subscribers,
    links,
    perClientLimit,
    htmlResponses,
    resubscribeUrl,
    preferencesPage,
    confirmedPage,
  };
}

export type LinkKit = ReturnType<typeof linkKit>;
