import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { Type } from 'typebox';
import type { ClaimedDelivery } from '../../delivery/claimed.ts';
import type { Outcome } from '../../delivery/sender.ts';
import { countDeliveries } from '../../delivery/stats.ts';
import { countSubscribers } from '../../subscribers/stats.ts';
import { requireBearer } from '../bearer.ts';

/**
 * Prometheus metrics at /metrics: process metrics, this process's sends by outcome, and the
 * ledger and subscribers by state, read from the database at each scrape (so any API process
 * shows the whole system's queue, whichever worker sent what).
 */
export const metricsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, sender, config } = app.services;
  // in production the counts are for operators (METRICS_PUBLIC): with ADMIN_TOKEN, or not at all
  if (!config.metricsPublic) {
    if (!config.adminToken) return;
    app.addHook('onRequest', requireBearer(config.adminToken, 'ADMIN_TOKEN'));
  }
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'paperboy_' });

  const outcomes = new Counter({
    name: 'paperboy_sender_outcomes_total',
    help: 'Deliveries this process finished, by kind and outcome',
    labelNames: ['kind', 'outcome'],
    registers: [registry],
  });
  const countOutcome = (outcome: Outcome, delivery: ClaimedDelivery) =>
    outcomes.inc({ kind: delivery.kind, outcome });
  sender.events.on('outcome', countOutcome);
  app.addHook('onClose', async () => {
    sender.events.off('outcome', countOutcome);
  });

  new Gauge({
    name: 'paperboy_deliveries',
    help: 'Rows of the deliveries ledger, by kind and status',
    labelNames: ['kind', 'status'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await countDeliveries(db.pool))
        this.set({ kind: row.kind, status: row.status }, row.count);
    },
  });

  new Gauge({
    name: 'paperboy_subscribers',
    help: 'Subscribers by status (suppressed addresses counted apart)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await countSubscribers(db.pool)) this.set({ status: row.status }, row.count);
    },
  });

  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics (Bearer ADMIN_TOKEN unless METRICS_PUBLIC)',
        security: config.metricsPublic ? [] : [{ bearer: [] }],
        response: { 200: Type.String({ description: 'Prometheus text format' }) },
      },
    },
    async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );
};
