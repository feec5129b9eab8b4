import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requireBearer } from '../../bearer.ts';
import { dashboardRoutes } from './dashboard.ts';
import { editionRoutes } from './editions.ts';
import { ingestRoutes } from './ingests.ts';
import { subscriberRoutes } from './subscribers.ts';
import { suppressionRoutes } from './suppressions.ts';

/**
 * Operator routes under /api/admin: `Authorization: Bearer $ADMIN_TOKEN` (compared in constant
 * time); without ADMIN_TOKEN, no routes at all. The console at /admin calls the same functions
 * (src/admin/operator.ts). One file per concern; the hook and the CSV parser set here hold for all.
 */
export const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const token = app.services.config.adminToken;
  if (!token) return;
  app.addHook('onRequest', requireBearer(token, 'ADMIN_TOKEN'));
  app.addContentTypeParser(
    'text/csv',
    { parseAs: 'string', bodyLimit: 5 * 1024 * 1024 },
    (_request, body, done) => done(null, body),
  );
  await app.register(dashboardRoutes);
  await app.register(subscriberRoutes);
  await app.register(suppressionRoutes);
  await app.register(editionRoutes);
  await app.register(ingestRoutes);
};
