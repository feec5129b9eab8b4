import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { countDeliveries } from '../../delivery/stats.ts';
import { normalizeEmailAddress } from '../../subscribers/email-address.ts';
import { liftSuppression, listSuppressions } from '../../subscribers/suppressions.ts';
import { requireBearer } from '../bearer.ts';
import { ErrorResponse } from '../schemas.ts';

const DeliveryCounts = Type.Array(
  Type.Object({ kind: Type.String(), status: Type.String(), count: Type.Integer() }),
  {
    description: 'deliveries by kind and status',
  },
);

const Editions = Type.Array(
  Type.Object({
    id: Type.Integer(),
    frequency: Type.String(),
    day: Type.String(),
    status: Type.String(),
    emptyReason: Type.Union([Type.String(), Type.Null()]),
    paperCount: Type.Integer(),
  }),
  { description: 'editions, newest first; an empty one says why' },
);

const Suppressions = Type.Array(
  Type.Object({
    email: Type.String(),
    suppressedAt: Type.String({ format: 'date-time' }),
    reason: Type.Union([Type.String(), Type.Null()]),
    softBounces: Type.Integer(),
  }),
  { description: 'suppressed addresses, most recent first' },
);

/** Operator routes under /api/admin: `Authorization: Bearer $ADMIN_TOKEN`; absent token, absent routes. */
export const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const token = app.services.config.adminToken;
  if (!token) return;
  app.addHook('onRequest', requireBearer(token, 'ADMIN_TOKEN'));
  const security = [{ bearer: [] }];

  app.get(
    '/deliveries',
    {
      schema: {
        summary: 'How many deliveries are in each state',
        security,
        response: { 200: DeliveryCounts, 401: ErrorResponse },
      },
    },
    async () => countDeliveries(app.services.db.pool),
  );

  app.get(
    '/suppressions',
    {
      schema: {
        summary: 'Addresses no mail goes to, and why (hard bounces, complaints, soft bounces in a row)',
        security,
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) }),
        response: { 200: Suppressions, 400: ErrorResponse, 401: ErrorResponse },
      },
    },
    async (request) =>
      (await listSuppressions(app.services.db.pool, request.query.limit)).map((entry) => ({
        ...entry,
        suppressedAt: entry.suppressedAt.toISOString(),
      })),
  );

  app.delete(
    '/suppressions/:email',
    {
      schema: {
        summary: 'Lift the suppression of an address: it gets mail again from the next edition on',
        security,
        params: Type.Object({ email: Type.String({ maxLength: 320 }) }),
        response: {
          204: Type.Null({ description: 'lifted' }),
          400: ErrorResponse,
          401: ErrorResponse,
          404: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const email = normalizeEmailAddress(request.params.email);
      if (!(await liftSuppression(app.services.db.pool, email)))
        return reply
          .status(404)
          .send({ statusCode: 404, error: 'Not Found', message: `${email} is not suppressed` });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/editions',
    {
      schema: {
        summary: 'Editions built, with why an empty one sends nothing',
        security,
        response: { 200: Editions, 401: ErrorResponse },
      },
    },
    async () =>
      (await app.services.editions.list({ onlyReady: false, limit: 100 })).map(
        ({ builtAt: _built, ...edition }) => edition,
      ),
  );
};
