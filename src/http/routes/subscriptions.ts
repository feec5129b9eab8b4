import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { PreferencesInput } from '../../subscribers/preferences.ts';
import { MAX_UNANSWERED_CONFIRMATIONS } from '../../subscribers/queries.ts';
import { describeError, handleError, wantsHtml } from '../error-handler.ts';
import { sendPage } from '../page.ts';
import { keptPreferences, preferenceFormData } from '../preference-form.ts';
import { errorResponses, HtmlPage } from '../schemas.ts';

const SubscriptionRequest = Type.Object({
  email: Type.String({
    maxLength: 320,
    description: 'a bare address such as ann@example.org (docs/subscribers.md, "Email addresses")',
  }),
  ...PreferencesInput.properties,
});

/** Where a browser's subscribe form post is sent on to. */
const SUBSCRIBED_PAGE = '/subscribed';

const Accepted = Type.Object({
  status: Type.Literal('accepted'),
  message: Type.String(),
});

// The same words for every valid address, so the answer tells nobody whether it is known.
const ACCEPTED = {
  status: 'accepted',
  message:
    'If this address can receive mail, a confirmation link is on its way. Follow it to start your digest.',
} as const;

export const subscriptionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { config, subscribers, sender } = app.services;
  app.post(
    '/api/subscriptions',
    {
      config: { rateLimit: { max: config.rateLimitMax, timeWindow: config.rateLimitWindowMs } },
      schema: {
        summary: 'Subscribe an address (double opt-in)',
        description:
          'Stores the request and queues a confirmation mail. Answers 202 with the same body for every valid ' +
          'address, new or known; at most one confirmation per address is sent every 10 minutes, and ' +
          `${MAX_UNANSWERED_CONFIRMATIONS} in all until one is confirmed. A browser's post from another ` +
          "site's page answers 403 before anything is stored.",
        consumes: ['application/json', 'application/x-www-form-urlencoded'],
        body: SubscriptionRequest,
        response: {
          202: Accepted,
          303: Type.Null({ description: 'a browser form post: on to /subscribed' }),
          ...errorResponses,
        },
      },
      // a browser's form with a bad field comes back filled in, the message beside the field
      errorHandler: (error, request, reply) => {
        if (!wantsHtml(request)) return handleError(error, request, reply);
        const { statusCode, message, field } = describeError(error, request, reply);
        if (statusCode !== 400) return handleError(error, request, reply);
        const posted = (request.body ?? {}) as Record<string, unknown>;
        const form = preferenceFormData(keptPreferences(posted));
        return sendPage(reply, 400, 'home', {
          // what was typed stays, even where it was refused
          form: typeof posted.keywords === 'string' ? { ...form, keywordText: posted.keywords } : form,
          email: typeof posted.email === 'string' ? posted.email : '',
          error: { field: field ?? '', message },
        });
      },
    },
    async (request, reply) => {
      await subscribers.subscribe(request.body);
      sender.wake();
      // a browser goes on to a page of its own (post/redirect/get): reloading it posts nothing again
      if (wantsHtml(request)) return reply.redirect(SUBSCRIBED_PAGE, 303);
      reply.status(202);
      return ACCEPTED;
    },
  );

  app.get(
    SUBSCRIBED_PAGE,
    {
      schema: {
        summary: 'What happens after subscribing (where a browser form post ends)',
        response: { 200: HtmlPage },
      },
    },
    async (_request, reply) =>
      sendPage(reply, 200, 'message', {
        title: 'Check your inbox',
        message: `${ACCEPTED.message} The link works for 7 days; nothing is sent until it is followed, and your first digest comes at the hour you chose, after the next edition.`,
        link: { href: '/', text: 'Back to Paperboy' },
      }),
  );
};
