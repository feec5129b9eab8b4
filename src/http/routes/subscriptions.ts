import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { PreferencesInput } from '../../subscribers/preferences.ts';
import { wantsHtml } from '../error-handler.ts';
import { sendPage } from '../page.ts';
import { errorResponses } from '../schemas.ts';

const SubscriptionRequest = Type.Object({
  email: Type.String({
    maxLength: 320,
    description: 'a bare address such as ann@example.org (README: "Email addresses")',
  }),
  ...PreferencesInput.properties,
});

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
          'address, new or known; at most one confirmation per address is sent every 10 minutes.',
        consumes: ['application/json', 'application/x-www-form-urlencoded'],
        body: SubscriptionRequest,
        response: { 202: Accepted, ...errorResponses },
      },
    },
    async (request, reply) => {
      await subscribers.subscribe(request.body);
      sender.wake();
      reply.status(202);
      if (wantsHtml(request)) {
        return sendPage(reply, 202, 'message', { title: 'Check your inbox', message: ACCEPTED.message });
      }
      return ACCEPTED;
    },
  );
};
