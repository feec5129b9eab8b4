import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { requireBearer } from '../bearer.ts';
import type { AppMetrics } from '../metrics.ts';

/** Serves the metrics (metrics.ts) at /metrics: to anyone with METRICS_PUBLIC, else with ADMIN_TOKEN, else not at all. */
export const metricsRoutes: FastifyPluginAsyncTypebox<{ metrics: AppMetrics }> = async (app, { metrics }) => {
  const { config } = app.services;
  if (!config.metricsPublic) {
    if (!config.adminToken) return;
    app.addHook('onRequest', requireBearer(config.adminToken, 'ADMIN_TOKEN'));
  }
  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics (Bearer ADMIN_TOKEN unless METRICS_PUBLIC)',
        security: config.metricsPublic ? [] : [{ bearer: [] }],
        response: { 200: Type.String({ description: 'Prometheus text format' }) },
      },
    },
    async (_request, reply) =>
      reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
};
