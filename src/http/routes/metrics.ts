import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { Type } from 'typebox';
import { deliveryQueries } from '../../delivery/queries.ts';
import { subscriberQueries } from '../../subscribers/queries.ts';

/**
 * Prometheus metrics at /metrics: process metrics, this process's sends by outcome, and the
 * ledger and subscribers by state, read from the database at each scrape (so any API process
 * shows the whole system's queue, whichever worker sent what).
 */
export const metricsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, sender } = app.services;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'paperboy_' });

  const outcomes = new Counter({
    name: 'paperboy_sender_outcomes_total',
    help: 'Deliveries this process finished, by kind and outcome',
    labelNames: ['kind', 'outcome'],
    registers: [registry],
  });
  const previous = sender.onOutcome;
  sender.onOutcome = (outcome, delivery) => {
    outcomes.inc({ kind: delivery.kind, outcome });
    previous?.(outcome, delivery);
  };

  new Gauge({
    name: 'paperboy_deliveries',
    help: 'Rows of the deliveries ledger, by kind and status',
    labelNames: ['kind', 'status'],
    registers: [registry],
    async collect() {
      this.reset();
      const { rows } = await db.pool.query<{ kind: string; status: string; count: number }>(
        deliveryQueries.countByKindAndStatus,
      );
      for (const row of rows) this.set({ kind: row.kind, status: row.status }, row.count);
    },
  });

  new Gauge({
    name: 'paperboy_subscribers',
    help: 'Subscribers by status (suppressed addresses counted apart)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      const { rows } = await db.pool.query<{ status: string; count: number }>(
        subscriberQueries.countByStatus,
      );
      for (const row of rows) this.set({ status: row.status }, row.count);
    },
  });

  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics',
        response: { 200: Type.String({ description: 'Prometheus text format' }) },
      },
    },
    async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );
};
