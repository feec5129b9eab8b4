import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { deliveryQueries } from '../../delivery/queries.ts';
import { ErrorResponse } from '../schemas.ts';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const DeliveryCounts = Type.Array(
  Type.Object({ kind: Type.String(), status: Type.String(), count: Type.Integer() }),
  { description: 'deliveries by kind and status' },
);

/** Operator routes under /api/admin: `Authorization: Bearer $ADMIN_TOKEN`; absent token, absent routes. */
export const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const token = app.services.config.adminToken;
  if (!token) return;
  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization ?? '';
    if (!header.startsWith('Bearer ') || !sameSecret(header.slice('Bearer '.length), token)) {
      reply.header('www-authenticate', 'Bearer');
      return reply.status(401).send({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Authorization: Bearer $ADMIN_TOKEN required',
      });
    }
  });

  app.get(
    '/deliveries',
    {
      schema: {
        summary: 'How many deliveries are in each state',
        security: [{ bearer: [] }],
        response: { 200: DeliveryCounts, 401: ErrorResponse },
      },
    },
    async () => (await app.services.db.pool.query(deliveryQueries.countByKindAndStatus)).rows,
  );
};
