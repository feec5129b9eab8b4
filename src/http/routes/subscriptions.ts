import cookie from '@fastify/cookie';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { PreferencesInput } from '../../subscribers/preferences.ts';
import { MAX_UNANSWERED_CONFIRMATIONS } from '../../subscribers/store.ts';
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

/**
 * The cookie that carries the address a browser just subscribed to /subscribed, which names it:
 * the address never goes into a URL (access logs, Referer). Lives for the redirect and a reload.
 */
const SUBSCRIBED_COOKIE = 'pb_subscribed';
const SUBSCRIBED_COOKIE_SECONDS = 600;

/** A form's message sits beside its field, which says what it is about: no "keywords: " prefix. */
function besideField(message: string, field: string | undefined): string {
  const bare = field && message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
  return bare.charAt(0).toUpperCase() + bare.slice(1);
}

export const subscriptionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { config, subscribers, sender } = app.services;
  await app.register(cookie);
  const secureCookie = config.publicUrl.startsWith('https:');

  const options = (summary: string, hide: boolean) => ({
    config: { rateLimit: { max: config.rateLimitMax, timeWindow: config.rateLimitWindowMs } },
    schema: {
      summary,
      hide,
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
    errorHandler: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      if (!wantsHtml(request)) return handleError(error, request, reply);
      const { statusCode, message, field } = describeError(error, request, reply);
      if (statusCode !== 400) return handleError(error, request, reply);
      const posted = (request.body ?? {}) as Record<string, unknown>;
      const form = preferenceFormData(keptPreferences(posted));
      return sendPage(reply, 400, 'home', {
        // what was typed stays, even where it was refused
        form: typeof posted.keywords === 'string' ? { ...form, keywordText: posted.keywords } : form,
        email: typeof posted.email === 'string' ? posted.email : '',
        error: { field: field ?? '', message: besideField(message, field) },
      });
    },
  });

  // The home page's form posts to /, so a page answering a bad field stays at the home page's
  // address, not at an API's.
  const routes = [
    { url: '/api/subscriptions', summary: 'Subscribe an address (double opt-in)', hide: false },
    { url: '/', summary: 'The home page’s subscription form (as POST /api/subscriptions)', hide: true },
  ];
  for (const { url, summary, hide } of routes) {
    app.post(url, options(summary, hide), async (request, reply) => {
      await subscribers.subscribe(request.body);
      sender.wake();
      // a browser goes on to a page of its own (post/redirect/get): reloading it posts nothing again
      if (wantsHtml(request)) {
        reply.setCookie(SUBSCRIBED_COOKIE, request.body.email.trim(), {
          path: SUBSCRIBED_PAGE,
          maxAge: SUBSCRIBED_COOKIE_SECONDS,
          httpOnly: true,
          sameSite: 'lax',
          secure: secureCookie,
        });
        return reply.redirect(SUBSCRIBED_PAGE, 303);
      }
      reply.status(202);
      return ACCEPTED;
    });
  }

  app.get(
    SUBSCRIBED_PAGE,
    {
      schema: {
        summary: 'What happens after subscribing (where a browser form post ends)',
        response: { 200: HtmlPage },
      },
    },
    async (request, reply) =>
      sendPage(reply, 200, 'subscribed', {
        email: request.cookies[SUBSCRIBED_COOKIE],
        // where the mail of a server without a relay can be read (npm start as it comes)
        outboxUrl: !config.smtpUrl && config.outboxEnabled ? '/outbox' : undefined,
      }),
  );
};
