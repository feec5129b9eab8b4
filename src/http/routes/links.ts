import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { erase, exportSubscriber } from '../../admin/operator.ts';
import {
  feedbackOf,
  forgetFeedback,
  MAX_AUTHOR_LENGTH,
  removeSignal,
  unfollowAuthor,
  unfollowOrganisation,
} from '../../subscribers/feedback.ts';
import { LINK_PATHS } from '../../subscribers/links.ts';
import { describePreferences, PreferencesInput, sameAsDefaults } from '../../subscribers/preferences.ts';
import { MAX_PAUSE_WEEKS } from '../../subscribers/service.ts';
import type { Subscriber } from '../../subscribers/subscriber.ts';
import { describeError, handleError, wantsHtml } from '../error-handler.ts';
import { acceptOneClickMultipart } from '../one-click-form.ts';
import { sendPage as page } from '../page.ts';
import { keptPreferences, preferenceFormData } from '../preference-form.ts';
import { errorResponses, HtmlPage, TokenParams } from '../schemas.ts';

const untilDate = new Intl.DateTimeFormat('en-GB', {
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

const OneClickBody = Type.Object({
  'List-Unsubscribe': Type.Optional(
    Type.String({ maxLength: 100, description: 'must be One-Click (RFC 8058)' }),
  ),
});

/** The pages behind the links in mail: confirm, unsubscribe, preferences. */
export const linkRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { config, subscribers, links } = app.services;
  // Keyed by client (the default, request.ip), never by something in the URL a client can vary.
  const perClientLimit = { max: config.rateLimitMax, timeWindow: config.rateLimitWindowMs };
  const htmlResponses = { 200: HtmlPage, 404: HtmlPage, ...errorResponses };
  const resubscribeUrl = (subscriber: Subscriber) => `${links.url('preferences', subscriber)}/resubscribe`;

  /** What the preferences page shows of a subscriber. */
  async function preferencesPage(subscriber: Subscriber) {
    const { pausedUntil } = subscriber;
    const learned = await feedbackOf(app.services.db.pool, subscriber.id);
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

  app.get(
    `${LINK_PATHS.confirm}/:token`,
    {
      schema: {
        summary:
          'Confirmation link: shows what its button will confirm and changes nothing (link scanners follow GETs)',
        params: TokenParams,
        response: { ...htmlResponses, 410: HtmlPage },
      },
    },
    async (request, reply) => {
      const result = await subscribers.checkConfirmation(request.params.token);
      if (!result.ok && result.reason === 'expired') {
        return page(reply, 410, 'expired', { email: result.subscriber.email });
      }
      if (!result.ok) return invalidLink(reply);
      if (result.outcome === 'already-confirmed')
        return confirmedPage(reply, result.outcome, result.subscriber);
      const change = result.outcome === 'preferences-updated';
      return page(reply, 200, 'confirm', {
        title: change ? 'Confirm the change to your digest' : 'Confirm your subscription',
        email: result.subscriber.email,
        message: `You will receive ${describePreferences(result.subscriber.preferences)}.`,
        button: change ? 'Apply the change' : 'Confirm my subscription',
      });
    },
  );

  app.post(
    `${LINK_PATHS.confirm}/:token`,
    {
      config: { rateLimit: perClientLimit },
      schema: {
        summary:
          "Confirm a subscription or a change (the button of the confirmation link's page); idempotent",
        params: TokenParams,
        response: { ...htmlResponses, 410: HtmlPage },
      },
    },
    async (request, reply) => {
      const result = await subscribers.confirm(request.params.token);
      if (!result.ok && result.reason === 'expired') {
        return page(reply, 410, 'expired', { email: result.subscriber.email });
      }
      if (!result.ok) return invalidLink(reply);
      return confirmedPage(reply, result.outcome, result.subscriber);
    },
  );

  app.get(
    `${LINK_PATHS.unsubscribe}/:token`,
    {
      schema: {
        summary: 'Unsubscribe page: shows a button and changes nothing (link scanners follow GETs)',
        params: TokenParams,
        response: htmlResponses,
      },
    },
    async (request, reply) => {
      const check = await subscribers.checkLink(request.params.token, 'unsubscribe');
      if (!check.ok) return invalidLink(reply);
      return page(reply, 200, 'unsubscribe', {
        email: check.subscriber.email,
        alreadyUnsubscribed: check.subscriber.status === 'unsubscribed',
        frequency: check.subscriber.preferences.frequency,
        preferencesUrl: links.url('preferences', check.subscriber),
        resubscribeUrl: resubscribeUrl(check.subscriber),
      });
    },
  );

  // the one route that reads multipart (RFC 8058 allows it), in a scope of its own
  await app.register(async (plain) => {
    const scope = plain.withTypeProvider<TypeBoxTypeProvider>();
    acceptOneClickMultipart(scope);
    scope.post(
      `${LINK_PATHS.unsubscribe}/:token`,
      {
        // mail providers post it from their own servers, with whatever headers they send
        config: { rateLimit: perClientLimit, crossSite: true },
        schema: {
          summary:
            'One-click unsubscribe (RFC 8058): POST List-Unsubscribe=One-Click; 200, no redirect; idempotent',
          consumes: ['application/x-www-form-urlencoded', 'multipart/form-data'],
          params: TokenParams,
          body: OneClickBody,
          response: htmlResponses,
        },
      },
      async (request, reply) => {
        if (request.body?.['List-Unsubscribe'] !== 'One-Click') {
          return page(reply, 400, 'message', {
            title: 'Bad Request',
            message: 'List-Unsubscribe: the body must be List-Unsubscribe=One-Click',
          });
        }
        const result = await subscribers.unsubscribe(request.params.token);
        if (!result.ok) return invalidLink(reply);
        // the way back is one button, the same as on the page they came from
        return page(reply, 200, 'unsubscribe', {
          email: result.subscriber.email,
          alreadyUnsubscribed: true,
          resubscribeUrl: resubscribeUrl(result.subscriber),
        });
      },
    );
  });

  app.get(
    `${LINK_PATHS.preferences}/:token`,
    { schema: { summary: 'Preferences page', params: TokenParams, response: htmlResponses } },
    async (request, reply) => {
      const check = await subscribers.checkLink(request.params.token, 'preferences');
      if (!check.ok) return invalidLink(reply);
      return page(reply, 200, 'preferences', await preferencesPage(check.subscriber));
    },
  );

  app.post(
    `${LINK_PATHS.preferences}/:token`,
    {
      config: { rateLimit: perClientLimit },
      schema: {
        summary: 'Save preferences from the preferences page',
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        params: TokenParams,
        body: PreferencesInput,
        response: htmlResponses,
      },
      // a bad field brings the page back with what was typed and the message
      errorHandler: async (error, request, reply) => {
        if (!wantsHtml(request)) return handleError(error, request, reply);
        const { statusCode, message, field } = describeError(error, request, reply);
        const { token } = request.params as { token: string };
        const check = statusCode === 400 ? await subscribers.checkLink(token, 'preferences') : undefined;
        if (!check?.ok) return handleError(error, request, reply);
        const posted = (request.body ?? {}) as Record<string, unknown>;
        return page(reply, 400, 'preferences', {
          ...(await preferencesPage(check.subscriber)),
          form: preferenceFormData(keptPreferences(posted, check.subscriber.preferences)),
          error: { field: field ?? '', message },
        });
      },
    },
    async (request, reply) => {
      const result = await subscribers.updatePreferences(request.params.token, request.body);
      if (!result.ok) return invalidLink(reply);
      const { subscriber } = result;
      return page(reply, 200, 'message', {
        title: 'Preferences saved',
        message:
          subscriber.status === 'unsubscribed'
            ? 'Saved. You are unsubscribed: nothing is sent until you subscribe again.'
            : `You will receive ${describePreferences(subscriber.preferences)}.`,
        link: { href: links.url('preferences', subscriber), text: 'Back to your preferences' },
      });
    },
  );

  app.post(
    `${LINK_PATHS.preferences}/:token/pause`,
    {
      config: { rateLimit: perClientLimit },
      schema: {
        summary: `Pause the digest for 1–${MAX_PAUSE_WEEKS} weeks, or resume it (weeks = 0)`,
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        params: TokenParams,
        body: Type.Object({ weeks: Type.Integer({ minimum: 0, maximum: MAX_PAUSE_WEEKS }) }),
        response: htmlResponses,
      },
    },
    async (request, reply) => {
      const result = await subscribers.pause(request.params.token, request.body.weeks);
      if (!result.ok) return invalidLink(reply);
      const { pausedUntil } = result.subscriber;
      return page(reply, 200, 'message', {
        title: pausedUntil ? 'Your digest is paused' : 'Your digest is back',
        message: pausedUntil
          ? `No digest is sent until ${untilDate.format(pausedUntil)}; the ones due before are skipped, not sent late.`
          : `You will receive ${describePreferences(result.subscriber.preferences)}.`,
        link: { href: links.url('preferences', result.subscriber), text: 'Your preferences' },
      });
    },
  );

  app.post(
    `${LINK_PATHS.preferences}/:token/resubscribe`,
    {
      config: { rateLimit: perClientLimit },
      schema: {
        summary: 'Subscribe again in one click, from the preferences link of an unsubscribed address',
        params: TokenParams,
        response: htmlResponses,
      },
    },
    async (request, reply) => {
      const result = await subscribers.resubscribe(request.params.token);
      if (!result.ok) return invalidLink(reply);
      return page(reply, 200, 'message', {
        title: 'You are subscribed again',
        message: `You will receive ${describePreferences(result.subscriber.preferences)}.`,
        link: { href: links.url('preferences', result.subscriber), text: 'Your preferences' },
      });
    },
  );

  app.get(
    `${LINK_PATHS.preferences}/:token/data`,
    {
      config: { rateLimit: perClientLimit },
      schema: {
        summary: 'Download everything Paperboy stores about the subscriber of this link, as JSON',
        params: TokenParams,
        response: { 404: HtmlPage, ...errorResponses },
      },
    },
    async (request, reply) => {
      const check = await subscribers.checkLink(request.params.token, 'preferences');
      if (!check.ok) return invalidLink(reply);
      const record = await exportSubscriber(app.services, check.subscriber.id);
      if (!record) return invalidLink(reply);
      return reply
        .header('content-disposition', 'attachment; filename="paperboy-my-data.json"')
        .header('cache-control', 'no-store')
        .type('application/json; charset=utf-8')
        .send(JSON.stringify(record, null, 2));
    },
  );

  app.post(
    `${LINK_PATHS.preferences}/:token/delete`,
    {
      config: { rateLimit: perClientLimit },
      schema: {
        summary:
          'Delete the subscriber of this link at once: address, settings, history and every mail sent to them',
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        params: TokenParams,
        body: Type.Object({ confirm: Type.Literal('yes', { description: 'the checkbox that says so' }) }),
        response: htmlResponses,
      },
    },
    async (request, reply) => {
      const check = await subscribers.checkLink(request.params.token, 'preferences');
      if (!check.ok) return invalidLink(reply);
      await erase(app.services, check.subscriber.id);
      return page(reply, 200, 'message', {
        title: 'Your data is deleted',
        message: `${config.siteName} no longer has your address, your settings or the mail it sent you, and sends you nothing more. You are welcome to subscribe again at any time.`,
        link: { href: '/', text: `${config.siteName} home` },
      });
    },
  );

  app.post(
    `${LINK_PATHS.preferences}/:token/learned/forget`,
    {
      config: { rateLimit: perClientLimit },
      schema: {
        summary:
          'Remove one thing Paperboy learned: a "more / less like this" on a paper, or a followed author',
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        params: TokenParams,
        body: Type.Object({
          arxivId: Type.Optional(Type.String({ maxLength: 64 })),
          author: Type.Optional(Type.String({ maxLength: MAX_AUTHOR_LENGTH })),
        }),
        response: htmlResponses,
      },
    },
    async (request, reply) => {
      const check = await subscribers.checkLink(request.params.token, 'preferences');
      if (!check.ok) return invalidLink(reply);
      const { arxivId, author } = request.body;
      if (arxivId) await removeSignal(app.services.db.pool, check.subscriber.id, arxivId);
      if (author) await unfollowAuthor(app.services.db.pool, check.subscriber.id, author);
      return page(reply, 200, 'preferences', {
        ...(await preferencesPage(check.subscriber)),
        notice: author
          ? `You no longer follow ${author}.`
          : 'Removed: that paper no longer shapes your digest.',
      });
    },
  );

  app.post(
    `${LINK_PATHS.preferences}/:token/learned/forget-organisation`,
    {
      config: { rateLimit: perClientLimit },
      schema: {
        summary: "Stop following an organisation (its key, the API's `name`)",
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        params: TokenParams,
        body: Type.Object({ organisation: Type.String({ minLength: 1, maxLength: 200 }) }),
        response: htmlResponses,
      },
    },
    async (request, reply) => {
      const check = await subscribers.checkLink(request.params.token, 'preferences');
      if (!check.ok) return invalidLink(reply);
      await unfollowOrganisation(app.services.db.pool, check.subscriber.id, request.body.organisation);
      return page(reply, 200, 'preferences', {
        ...(await preferencesPage(check.subscriber)),
        notice: 'You no longer follow that organisation.',
      });
    },
  );

  app.post(
    `${LINK_PATHS.preferences}/:token/learned/reset`,
    {
      config: { rateLimit: perClientLimit },
      schema: {
        summary: 'Reset what Paperboy learned: every "more / less like this" and every follow',
        params: TokenParams,
        response: htmlResponses,
      },
    },
    async (request, reply) => {
      const check = await subscribers.checkLink(request.params.token, 'preferences');
      if (!check.ok) return invalidLink(reply);
      await forgetFeedback(app.services.db.pool, check.subscriber.id);
      return page(reply, 200, 'preferences', {
        ...(await preferencesPage(check.subscriber)),
        notice: 'Reset: your digest is ranked by what is trending and by your keywords again.',
      });
    },
  );
};
