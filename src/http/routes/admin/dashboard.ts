import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { dashboard } from '../../../admin/operator.ts';
import { countDeliveries } from '../../../delivery/stats.ts';
import { jsonified } from '../../schemas.ts';
import { denied, EditionSummary, IngestRunSchema, security } from './common.ts';

const DeliveryCounts = Type.Array(
  Type.Object({ kind: Type.String(), status: Type.String(), count: Type.Integer() }),
  { description: 'deliveries by kind and status' },
);

const Stats = Type.Object({
  subscribers: Type.Array(Type.Object({ status: Type.String(), count: Type.Integer() })),
  perDay: Type.Array(
    Type.Object({
      day: Type.String(),
      subscribed: Type.Integer(),
      confirmed: Type.Integer(),
      unsubscribed: Type.Integer(),
      suppressed: Type.Integer(),
    }),
    { description: 'subscriber events per UTC day over the last 90 days, oldest first' },
  ),
  editions: Type.Array(EditionSummary),
  sending: Type.Object({
    lastMinute: Type.Integer({ description: 'mail sent in the last minute, by every process' }),
    lastHour: Type.Integer(),
    dueNow: Type.Integer({ description: 'deliveries due and waiting for a sender' }),
    oldestDueSeconds: Type.Number({ description: 'how long the oldest due delivery has waited' }),
  }),
  ingests: Type.Array(IngestRunSchema),
});

/** The dashboard and the ledger by state. */
export const dashboardRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const services = app.services;
  const pool = services.db.pool;

  app.get(
    '/stats',
    {
      schema: {
        summary: 'The dashboard: subscribers, events per day, editions, sending now, last ingests',
        security,
        response: { 200: Stats, ...denied },
      },
    },
    async () => jsonified(await dashboard(services)),
  );

  app.get(
    '/deliveries',
    {
      schema: {
        summary: 'How many deliveries are in each state',
        security,
        response: { 200: DeliveryCounts, ...denied },
      },
    },
    async () => countDeliveries(pool),
  );
};
