import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

const Health = Type.Object({
  status: Type.String(),
  reason: Type.Optional(Type.String({ description: 'why the service is not ready' })),
});

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/healthz', { schema: { summary: 'The process is up', response: { 200: Health } } }, async () => ({
    status: 'ok',
  }));

  app.get(
    '/readyz',
    { schema: { summary: 'The database answers', response: { 200: Health, 503: Health } } },
    async (_request, reply) => {
      try {
        await app.services.db.pool.query('SELECT 1');
        return { status: 'ready' };
      } catch (error) {
        app.log.warn({ err: error }, 'readiness check failed');
        const { code, message } = error as { code?: string; message?: string };
        return reply.status(503).send({
          status: 'database unreachable',
          reason: [code, message].filter(Boolean).join(': ') || 'no answer',
        });
      }
    },
  );
};
