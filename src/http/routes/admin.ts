import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { deliveryQueries } from '../../delivery/queries.ts';
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
    async () => (await app.services.db.pool.query(deliveryQueries.countByKindAndStatus)).rows,
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
