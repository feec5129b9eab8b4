import type { FastifyReply, FastifyRequest } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ClaimedDelivery } from '../delivery/claimed.ts';
import type { Outcome } from '../delivery/sender.ts';
import { countDeliveries, dueQueue } from '../delivery/stats.ts';
import { countIngestRuns } from '../papers/ingest.ts';
import type { Services } from '../services.ts';
import { countSubscribers } from '../subscribers/stats.ts';

export interface AppMetrics {
  registry: Registry;
  /** An onResponse hook for every route: request durations by route and status. */
  observeRequest(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** Stops listening to the sender. */
  detach(): void;
}

/**
 * Prometheus metrics: process metrics, this process's HTTP requests and sends (by outcome, and
 * relay errors by reply code), and the ledger, the due queue, subscribers and ingests read from
 * the database at each scrape (so any API process shows the whole system, whichever worker sent
 * what).
 */
export function createMetrics(services: Services): AppMetrics {
  const { db, sender } = services;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'paperboy_' });

  const requests = new Histogram({
    name: 'paperboy_http_request_duration_seconds',
    help: 'HTTP requests this process answered, by method, route (its pattern, never a token) and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  const outcomes = new Counter({
    name: 'paperboy_sender_outcomes_total',
    help: 'Deliveries this process finished, by kind and outcome',
    labelNames: ['kind', 'outcome'],
    registers: [registry],
  });
  const relayErrors = new Counter({
    name: 'paperboy_smtp_errors_total',
    help: "The relay's refusals and connection failures this process met, by reply code (451, 550) or network error (ECONNRESET)",
    labelNames: ['code'],
    registers: [registry],
  });
  const countOutcome = (outcome: Outcome, delivery: ClaimedDelivery) =>
    outcomes.inc({ kind: delivery.kind, outcome });
  const countRelayError = (code: string) => relayErrors.inc({ code });
  sender.events.on('outcome', countOutcome);
  sender.events.on('relayError', countRelayError);

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

  // both read by one query at each scrape: the depth gauge, registered (so collected) first, sets
  // the age too
  new Gauge({
    name: 'paperboy_due_queue_depth',
    help: 'Deliveries due now and waiting for a sender',
    registers: [registry],
    async collect() {
      const queue = await dueQueue(db.pool);
      this.set(queue.depth);
      oldestDue.set(queue.oldestSeconds);
    },
  });
  const oldestDue = new Gauge({
    name: 'paperboy_due_queue_oldest_seconds',
    help: 'How long the oldest due delivery has waited (0 when none waits)',
    registers: [registry],
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

  new Gauge({
    name: 'paperboy_ingest_runs',
    help: 'Ingests of a day recorded, by outcome (stored, failed, anomaly)',
    labelNames: ['outcome'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await countIngestRuns(db.pool)) this.set({ outcome: row.outcome }, row.count);
    },
  });

  return {
    registry,
    async observeRequest(request, reply) {
      requests.observe(
        {
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          status: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
    },
    detach() {
      sender.events.off('outcome', countOutcome);
      sender.events.off('relayError', countRelayError);
    },
  };
}
