import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { applyDeliveryEvents } from '../../delivery/bounces.ts';
import { requireBearer } from '../bearer.ts';
import { ErrorResponse } from '../schemas.ts';

const DeliveryEvent = Type.Object({
  type: Type.Union([Type.Literal('bounce'), Type.Literal('complaint')]),
  messageId: Type.Optional(Type.String({ maxLength: 998, description: 'Message-ID of the mail, as sent' })),
  email: Type.Optional(Type.String({ maxLength: 320 })),
  permanent: Type.Optional(Type.Boolean({ description: 'bounces: false for a soft bounce; default true' })),
  reason: Type.Optional(Type.String({ maxLength: 1000 })),
});

const DeliveryEvents = Type.Object({ events: Type.Array(DeliveryEvent, { minItems: 1, maxItems: 1000 }) });

/**
 * Bounces and complaints reported later by a relay, in a generic JSON shape (docs/delivery.md):
 * `Authorization: Bearer $WEBHOOK_SECRET`; absent secret, absent route.
 */
export const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { config, db } = app.services;
  if (!config.webhookSecret) return;
  app.addHook('onRequest', requireBearer(config.webhookSecret, 'WEBHOOK_SECRET'));
  app.post(
    '/delivery-events',
    {
      schema: {
        summary: 'Report bounces and complaints',
        security: [{ bearer: [] }],
        body: DeliveryEvents,
        response: {
          200: Type.Object({
            applied: Type.Integer(),
            unknown: Type.Integer({ description: 'events matching no mail or address' }),
          }),
          400: ErrorResponse,
          401: ErrorResponse,
        },
      },
    },
    async (request) => applyDeliveryEvents(db.pool, request.body.events, config.softBounceLimit),
  );
};
